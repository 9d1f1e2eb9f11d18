package org.brickd.daemon;

import java.util.List;
import org.brickd.fc.FcHosts;
import org.brickd.host.BlockNodes;
import org.brickd.host.HostInfo;
import org.brickd.libvirt.LibvirtDomains;
import org.brickd.multipath.DmMaps;
import org.brickd.rpc.Access;
import org.brickd.rpc.DomainMethods;
import org.brickd.rpc.HostMethods;
import org.brickd.rpc.MethodTable;
import org.brickd.rpc.StaleMethods;
import org.brickd.rpc.VolumeMethods;
import org.brickd.service.DomainService;

/** Every RPC method brickd answers, with its access class. README documents each; the domain methods are in docs/domain.md. */
public final class Methods {

    private Methods() {}

    public static MethodTable table(Wiring w, java.nio.file.Path root) {
        FcHosts fc = new FcHosts(w.sysfs);
        VolumeMethods vol = new VolumeMethods(w.volumes, new HostInfo(root), fc);
        DmMaps dmMaps = new DmMaps(w.sysfs);
        HostMethods host = new HostMethods(w.scsiDevices, w.sessions, fc, w.ledger, w::recovered,
                new HostMethods.Maps(dmMaps::all, w.multipath == null ? List::of : w.multipath::pathStates),
                vol::initiator);
        StaleMethods stale = new StaleMethods(w.stale);
        DomainMethods dom = new DomainMethods(new DomainService(new LibvirtDomains(LibvirtDomains.SYSTEM), w.ledger,
                new BlockNodes(root, w.sysfs)));
        return new MethodTable()
                .register("get_connector_properties", Access.READ, (p, c) -> vol.getConnectorProperties(p))
                .register("connect_volume", Access.MUTATE, (p, c) -> vol.connectVolume(p))
                .register("disconnect_volume", Access.MUTATE, (p, c) -> vol.disconnectVolume(p))
                .register("cleanup_volume", Access.MUTATE, (p, c) -> vol.cleanupVolume(p))
                .register("extend_volume", Access.MUTATE, (p, c) -> vol.extendVolume(p))
                .register("get_volume_paths", Access.READ, (p, c) -> vol.getVolumePaths(p))
                .register("list_attachments", Access.READ, (p, c) -> vol.listAttachments(p))
                .register("inventory", Access.READ, (p, c) -> host.inventory(p))
                .register("find_stale", Access.READ, (p, c) -> stale.findStale(p))
                .register("cleanup_stale", Access.MUTATE, (p, c) -> stale.cleanupStale(p))
                .register("check_domain", Access.READ, (p, c) -> dom.checkDomain(p))
                .register("repair_domain", Access.MUTATE, (p, c) -> dom.repairDomain(p))
                .register("migration_xml", Access.READ, (p, c) -> dom.migrationXml(p));
    }
}
