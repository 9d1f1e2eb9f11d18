/*
 * brickshim: the few syscalls brickd needs that the JDK does not offer.
 * Loaded by org.brickd.host.JnaNative through JNA. Every function returns
 * a non-negative value on success and -errno on failure; nothing here
 * allocates memory the caller must free, and nothing keeps global state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <poll.h>
#include <scsi/sg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

#define INQUIRY_OPCODE 0x12
#define SENSE_LEN 32

/*
 * SCSI INQUIRY through SG_IO. evpd=0 asks for standard data (page must be 0).
 * Returns the number of bytes received into buf, or -errno. On a SCSI error
 * (check condition, host/driver error) returns -EIO and fills status[0..5]
 * with scsi status, host status, driver status, sense key, ASC, ASCQ.
 */
int brick_sg_inquiry(const char *path, int evpd, int page, unsigned char *buf,
                     int buflen, int timeout_ms, int *status)
{
    if (buflen <= 0 || buflen > 0xffff || page < 0 || page > 0xff)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;

    unsigned char cdb[6] = {INQUIRY_OPCODE, evpd ? 1 : 0, (unsigned char)page,
                            (unsigned char)(buflen >> 8), (unsigned char)(buflen & 0xff), 0};
    unsigned char sense[SENSE_LEN];
    memset(sense, 0, sizeof(sense));
    memset(buf, 0, (size_t)buflen);

    sg_io_hdr_t io;
    memset(&io, 0, sizeof(io));
    io.interface_id = 'S';
    io.cmd_len = sizeof(cdb);
    io.cmdp = cdb;
    io.dxfer_direction = SG_DXFER_FROM_DEV;
    io.dxferp = buf;
    io.dxfer_len = (unsigned int)buflen;
    io.sbp = sense;
    io.mx_sb_len = sizeof(sense);
    io.timeout = (unsigned int)timeout_ms;

    int rc = ioctl(fd, SG_IO, &io);
    int err = errno;
    close(fd);
    if (rc < 0)
        return -err;

    if (status) {
        status[0] = io.status;
        status[1] = io.host_status;
        status[2] = io.driver_status;
        int descriptor_format = (sense[0] & 0x7f) >= 0x72;
        status[3] = io.sb_len_wr > 2 ? (sense[descriptor_format ? 1 : 2] & 0x0f) : 0;
        /* additional sense code and qualifier: bytes 2-3 (descriptor) or 12-13 (fixed format) */
        int asc_at = descriptor_format ? 2 : 12;
        status[4] = io.sb_len_wr > asc_at ? sense[asc_at] : 0;
        status[5] = io.sb_len_wr > asc_at + 1 ? sense[asc_at + 1] : 0;
    }
    if (io.status != 0 || io.host_status != 0 || (io.driver_status & 0x0f) != 0)
        return -EIO;
    return buflen - io.resid;
}

/* BLKGETSIZE64: size of a block device in bytes, or -errno. */
int64_t brick_blk_size(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    uint64_t size = 0;
    int rc = ioctl(fd, BLKGETSIZE64, &size);
    int err = errno;
    close(fd);
    return rc < 0 ? -err : (int64_t)size;
}

/* fsync then BLKFLSBUF: write back and drop the buffer cache of a block device. */
int brick_blk_flush(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd);
    if (rc == 0)
        rc = ioctl(fd, BLKFLSBUF, 0);
    int err = errno;
    close(fd);
    return rc < 0 ? -err : 0;
}

/* A NETLINK_KOBJECT_UEVENT socket bound to the kernel's multicast group. */
int brick_uevent_open(int rcvbuf)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    if (fd < 0)
        return -errno;
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = 1; /* kernel uevents, not udev's re-broadcasts */
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

/* One datagram within timeout_ms: its length, 0 on timeout (or EINTR), or -errno. */
static int recv_within(int fd, unsigned char *buf, int buflen, int timeout_ms, struct sockaddr *from,
                       socklen_t *fromlen)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -errno;
    if (rc == 0)
        return 0;
    ssize_t n = recvfrom(fd, buf, (size_t)buflen, MSG_DONTWAIT, from, fromlen);
    if (n < 0)
        return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
    return (int)n;
}

/*
 * Waits up to timeout_ms for one uevent; returns its length, 0 on timeout, or -errno.
 * Messages not sent by the kernel (nl_pid != 0) are dropped and reported as 0.
 */
int brick_uevent_recv(int fd, unsigned char *buf, int buflen, int timeout_ms)
{
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof(from);
    int n = recv_within(fd, buf, buflen, timeout_ms, (struct sockaddr *)&from, &fromlen);
    if (n <= 0)
        return n;
    if (from.nl_pid != 0)
        return 0;
    return n;
}

int brick_close(int fd)
{
    return close(fd) < 0 ? -errno : 0;
}

/* SO_PEERCRED of a connected unix socket: fills pid, uid, gid. */
int brick_peer_cred(int fd, int *pid, int *uid, int *gid)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    *pid = cred.pid;
    *uid = (int)cred.uid;
    *gid = (int)cred.gid;
    return 0;
}

/*
 * Fills a unix socket address from a NOTIFY_SOCKET-style name: an absolute path, or
 * "@name" for the abstract namespace (leading NUL, length taken as given, no terminator).
 * Returns the address length, or -EINVAL when the name does not fit.
 */
static int unix_address(const char *name, struct sockaddr_un *addr)
{
    size_t len = strlen(name);
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (len < 2 || len >= sizeof(addr->sun_path) || (name[0] != '/' && name[0] != '@'))
        return -EINVAL;
    memcpy(addr->sun_path, name, len);
    if (name[0] == '@') {
        addr->sun_path[0] = '\0';
        return (int)(offsetof(struct sockaddr_un, sun_path) + len);
    }
    return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/*
 * sd_notify(3) without libsystemd: one datagram with msg (msglen bytes) to the
 * AF_UNIX SOCK_DGRAM socket named by socket_name. Returns bytes sent or -errno.
 */
int brick_sd_notify(const char *socket_name, const char *msg, int msglen)
{
    struct sockaddr_un addr;
    int addrlen = unix_address(socket_name, &addr);
    if (addrlen < 0)
        return addrlen;
    if (msglen <= 0)
        return -EINVAL;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    ssize_t n = sendto(fd, msg, (size_t)msglen, MSG_NOSIGNAL, (struct sockaddr *)&addr, (socklen_t)addrlen);
    int err = errno;
    close(fd);
    return n < 0 ? -err : (int)n;
}

/*
 * The receiving end of the notify protocol, for tests that stand in for systemd: a
 * datagram socket bound to socket_name (path or "@abstract"). Returns the fd or -errno.
 */
int brick_dgram_bind(const char *socket_name)
{
    struct sockaddr_un addr;
    int addrlen = unix_address(socket_name, &addr);
    if (addrlen < 0)
        return addrlen;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&addr, (socklen_t)addrlen) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

/* Waits up to timeout_ms for one datagram; returns its length, 0 on timeout, or -errno. */
int brick_dgram_recv(int fd, unsigned char *buf, int buflen, int timeout_ms)
{
    return recv_within(fd, buf, buflen, timeout_ms, NULL, NULL);
}
