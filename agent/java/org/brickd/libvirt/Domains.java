package org.brickd.libvirt;

import java.util.List;
import java.util.Optional;

/** The hypervisor's domains, behind a seam small enough to fake: read, list, define. */
public interface Domains {

    /** A domain's definitions: live (when running) and persistent (when defined). */
    record Definitions(String name, String uuid, Optional<String> live, Optional<String> persistent) {}

    /** By name or by uuid; NOT_FOUND when there is none, UNAVAILABLE when libvirtd does not answer. */
    Definitions read(String nameOrUuid);

    /** Every domain (running: live XML; defined only: persistent XML), for the shared-device check. */
    List<Definitions> all();

    /** The XML a live migration starts from (VIR_DOMAIN_XML_MIGRATABLE). */
    String migratableXml(String nameOrUuid);

    /** Replaces the persistent definition (virDomainDefineXML). */
    void define(String xml);
}
