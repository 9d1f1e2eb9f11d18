package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.brickd.errors.BrickException;
import org.brickd.errors.BrickException.Code;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * {@link Domains} through libvirt-java (JNA to libvirt.so.0). One connection per call:
 * calls are rare and short, and a daemon restart between them then needs no reconnect logic.
 */
public final class LibvirtDomains implements Domains {

    public static final String SYSTEM = "qemu:///system";

    private static final int XML_INACTIVE = 2; // VIR_DOMAIN_XML_INACTIVE
    private static final int XML_MIGRATABLE = 8; // VIR_DOMAIN_XML_MIGRATABLE
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final String uri;

    public LibvirtDomains(String uri) {
        this.uri = uri;
    }

    private interface Work<T> {
        T on(Connect c) throws LibvirtException;
    }

    private <T> T with(String what, Work<T> work) {
        Connect c;
        try {
            c = new Connect(uri);
        } catch (LibvirtException e) {
            throw new BrickException(Code.UNAVAILABLE, "libvirtd does not answer at " + uri + " (" + message(e)
                    + "); start libvirtd, or pass the domain's XML in \"xml\"", e);
        } catch (LinkageError e) {
            throw new BrickException(Code.UNAVAILABLE, "the libvirt client library (libvirt.so.0) cannot be loaded ("
                    + e.getMessage() + "); install libvirt0, or pass the domain's XML in \"xml\"", e);
        }
        try {
            return work.on(c);
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                throw new BrickException(Code.NOT_FOUND, what + ": no such domain at " + uri + " (" + message(e) + ")", e);
            }
            throw new BrickException(Code.HOST_ERROR, what + " failed at " + uri + ": " + message(e), e);
        } finally {
            try {
                c.close();
            } catch (LibvirtException e) {
                // the answer is already in hand; a failed close only leaks this one connection, say so
                org.slf4j.LoggerFactory.getLogger(LibvirtDomains.class).warn("closing {} failed: {}", uri, message(e));
            }
        }
    }

    private static Domain lookup(Connect c, String nameOrUuid) throws LibvirtException {
        return UUID.matcher(nameOrUuid).matches() ? c.domainLookupByUUIDString(nameOrUuid) : c.domainLookupByName(nameOrUuid);
    }

    private static Definitions definitions(Domain d) throws LibvirtException {
        Optional<String> live = d.isActive() == 1 ? Optional.of(d.getXMLDesc(0)) : Optional.empty();
        Optional<String> persistent = d.isPersistent() == 1 ? Optional.of(d.getXMLDesc(XML_INACTIVE)) : Optional.empty();
        return new Definitions(d.getName(), d.getUUIDString(), live, persistent);
    }

    @Override
    public Definitions read(String nameOrUuid) {
        return with("reading domain " + nameOrUuid, c -> definitions(lookup(c, nameOrUuid)));
    }

    @Override
    public List<Definitions> all() {
        return with("listing domains", c -> {
            List<Definitions> out = new ArrayList<>();
            for (int id : c.listDomains()) {
                out.add(definitions(c.domainLookupByID(id)));
            }
            for (String name : c.listDefinedDomains()) {
                out.add(definitions(c.domainLookupByName(name)));
            }
            return out;
        });
    }

    @Override
    public String migratableXml(String nameOrUuid) {
        return with("reading the migratable XML of " + nameOrUuid, c -> lookup(c, nameOrUuid).getXMLDesc(XML_MIGRATABLE));
    }

    @Override
    public void define(String xml) {
        with("defining domain", c -> c.domainDefineXML(xml));
    }

    private static String message(LibvirtException e) {
        return e.getError() != null && e.getError().getMessage() != null ? e.getError().getMessage() : String.valueOf(e.getMessage());
    }
}
