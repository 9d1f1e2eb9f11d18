package org.brickd.scsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Vpd83Test {

    private static final String LIO_IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";

    /** Page shapes as LIO and scsi_debug send them (see kernel-testbed.md §3). */
    static byte[] page(byte[]... descriptors) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] d : descriptors) {
            body.writeBytes(d);
        }
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x00);
        p.write(0x83);
        p.write(body.size() >> 8);
        p.write(body.size() & 0xff);
        p.writeBytes(body.toByteArray());
        return p.toByteArray();
    }

    static byte[] desc(int proto_codeset, int piv_assoc_type, byte[] value) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(proto_codeset);
        d.write(piv_assoc_type);
        d.write(0);
        d.write(value.length);
        d.writeBytes(value);
        return d.toByteArray();
    }

    static byte[] naa(String hex) {
        return desc(0x01, 0x03, HexFormat.of().parseHex(hex));
    }

    static byte[] t10(String text) {
        return desc(0x02, 0x01, text.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] lioFileio() {
        return page(
                naa("6001405aaaaaaaa00004000800000000"),
                t10("LIO-ORG FILEIO:aaaaaaaa-0000-4000-8000-000000000000"),
                desc(0x51, 0x94, new byte[] {0, 0, 0, 1}),                       // relative target port
                desc(0x51, 0x95, new byte[] {0, 0, 0, 0}),                       // target port group
                desc(0x01, 0x06, new byte[] {0, 0, 0, 0}),                       // LU group
                desc(0x53, 0x98, (LIO_IQN + ",t,0x0001\0\0\0\0").getBytes(StandardCharsets.US_ASCII)),
                desc(0x53, 0xa8, (LIO_IQN + "\0\0\0\0").getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void choosesLiosNaa6DesignatorLikeTheKernel() {
        Vpd83 vpd = Vpd83.parse(lioFileio());

        assertThat(vpd.designators()).hasSize(7);
        assertThat(vpd.wwid().orElseThrow().kernel()).isEqualTo("naa.6001405aaaaaaaa00004000800000000");
        assertThat(vpd.wwid().orElseThrow().udev()).isEqualTo("36001405aaaaaaaa00004000800000000");
    }

    @Test
    void ignoresDesignatorsOfTheTargetPortAndDevice() {
        byte[] onlyPortNames = page(
                desc(0x53, 0x98, (LIO_IQN + ",t,0x0001").getBytes(StandardCharsets.US_ASCII)),
                desc(0x01, 0x13, HexFormat.of().parseHex("6001405bbbbbbbb00004000800000000")));

        assertThat(Vpd83.parse(onlyPortNames).wwid()).isEmpty();
    }

    @Test
    void fallsBackToEuiThenT10() {
        byte[] eui = page(t10("VENDOR  PRODUCT 1234"), desc(0x01, 0x02, HexFormat.of().parseHex("0011223344556677")));
        byte[] t10only = page(t10("VENDOR  PRODUCT 1234"));

        assertThat(Vpd83.parse(eui).wwid().orElseThrow().kernel()).isEqualTo("eui.0011223344556677");
        assertThat(Vpd83.parse(t10only).wwid().orElseThrow().kernel()).isEqualTo("t10.VENDOR  PRODUCT 1234");
    }

    @Test
    void prefersTheLongerNaa() {
        byte[] both = page(naa("33333330000036b0"), naa("6001405aaaaaaaa00004000800000000"));

        assertThat(Vpd83.parse(both).wwid().orElseThrow().kernel()).isEqualTo("naa.6001405aaaaaaaa00004000800000000");
    }

    @Test
    void stopsAtATruncatedDescriptor() {
        byte[] full = lioFileio();
        byte[] cut = java.util.Arrays.copyOf(full, 4 + 20 + 10);
        cut[2] = full[2];
        cut[3] = full[3];

        Vpd83 vpd = Vpd83.parse(cut);

        assertThat(vpd.designators()).hasSize(1);
        assertThat(vpd.wwid().orElseThrow().kernel()).isEqualTo("naa.6001405aaaaaaaa00004000800000000");
    }

    @Test
    void refusesAnotherPage() {
        assertThatThrownBy(() -> Vpd83.parse(new byte[] {0, (byte) 0x80, 0, 0})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inquirySaysWhetherARealDiskIsBehindTheLun() {
        byte[] disk = new byte[36];
        byte[] noDevice = new byte[36];
        noDevice[0] = 0x7f; // qualifier 3, type 0x1f: LIO's answer for an unmapped LUN 0
        System.arraycopy("LIO-ORG FILEIO          4.0 ".getBytes(StandardCharsets.US_ASCII), 0, disk, 8, 28);

        assertThat(Inquiry.parse(disk).isConnectedDisk()).isTrue();
        assertThat(Inquiry.parse(disk).vendor()).isEqualTo("LIO-ORG");
        assertThat(Inquiry.parse(disk).product()).isEqualTo("FILEIO");
        assertThat(Inquiry.parse(noDevice).isConnectedDisk()).isFalse();
    }
}
