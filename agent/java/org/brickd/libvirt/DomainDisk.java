package org.brickd.libvirt;

import java.util.Optional;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * One {@code <devices><disk>} of a domain: a view over its DOM element that reads the parts
 * brickd reasons about and changes serial, alias and source in place. Everything it does
 * not model (iotune, boot order, blockio, backingStore, driver tunables…) stays in the DOM
 * untouched and is rendered as it came.
 */
public final class DomainDisk {

    private final Element disk;

    DomainDisk(Element disk) {
        this.disk = disk;
    }

    /** {@code block}, {@code file}, {@code network}, {@code volume}… */
    public String type() {
        return disk.getAttribute("type");
    }

    /** {@code disk}, {@code cdrom}, {@code floppy}, {@code lun}. */
    public String device() {
        return disk.getAttribute("device");
    }

    public Optional<String> driverName() {
        return attr("driver", "name");
    }

    public Optional<String> driverFormat() {
        return attr("driver", "type");
    }

    /** {@code <source dev>} of a block disk or {@code <source file>} of a file disk. */
    public Optional<String> sourcePath() {
        return attr("source", "dev").or(() -> attr("source", "file"));
    }

    /** A network disk's {@code protocol:name} (rbd, iscsi via qemu, nbd…). */
    public Optional<String> sourceNetwork() {
        return attr("source", "protocol").map(p -> p + ":" + attr("source", "name").orElse(""));
    }

    public String targetDev() {
        return attr("target", "dev").orElse("");
    }

    public Optional<String> targetBus() {
        return attr("target", "bus");
    }

    public Optional<String> serial() {
        return child("serial").map(Node::getTextContent).map(String::strip);
    }

    public Optional<String> wwn() {
        return child("wwn").map(Node::getTextContent).map(String::strip);
    }

    public Optional<String> alias() {
        return attr("alias", "name");
    }

    /** The guest address as libvirt wrote it, e.g. {@code drive controller=0 bus=0 target=0 unit=1}. */
    public Optional<String> address() {
        return child("address").map(a -> {
            StringBuilder b = new StringBuilder(a.getAttribute("type"));
            for (String n : XmlRender.attributeOrder(a)) {
                if (!n.equals("type")) {
                    b.append(' ').append(n).append('=').append(a.getAttribute(n));
                }
            }
            return b.toString();
        });
    }

    public boolean shareable() {
        return child("shareable").isPresent();
    }

    public boolean readonly() {
        return child("readonly").isPresent();
    }

    /** The LUKS/qcow secret's uuid when the disk is encrypted by qemu ({@code <encryption><secret uuid>}). */
    public Optional<String> encryptionSecret() {
        Optional<Element> enc = child("encryption").or(() -> child("source").flatMap(s -> child(s, "encryption")));
        return enc.flatMap(e -> child(e, "secret")).map(s -> s.getAttribute("uuid"));
    }

    public boolean encrypted() {
        return child("encryption").or(() -> child("source").flatMap(s -> child(s, "encryption"))).isPresent();
    }

    /** Sets {@code <serial>}, adding the element when missing. */
    void setSerial(String serial) {
        Element s = child("serial").orElseGet(() -> insert("serial"));
        s.setTextContent(serial);
        XmlRender.markDirty(s);
    }

    /** Sets {@code <alias name>}, adding the element when missing. */
    void setAlias(String alias) {
        Element a = child("alias").orElseGet(() -> insert("alias"));
        a.setAttribute("name", alias);
        XmlRender.markDirty(a);
    }

    /** Sets the block source path ({@code <source dev>}); other source children (seclabel, reservations) stay. */
    void setSourceDev(String path) {
        Element s = child("source").orElseGet(() -> insert("source"));
        s.setAttribute("dev", path);
        XmlRender.markDirty(s);
    }

    private Optional<String> attr(String childName, String attribute) {
        return child(childName).filter(c -> c.hasAttribute(attribute)).map(c -> c.getAttribute(attribute));
    }

    private Optional<Element> child(String name) {
        return child(disk, name);
    }

    static Optional<Element> child(Element parent, String name) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getTagName().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * A new child where libvirt would put it: before {@code <address>} (libvirt writes
     * serial and alias just ahead of it), else last; indented like its siblings.
     */
    private Element insert(String name) {
        Element e = disk.getOwnerDocument().createElement(name);
        Node before = child("address").map(Node.class::cast).orElse(null);
        Node indent = null;
        for (Node c = disk.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.TEXT_NODE && c.getNodeValue().isBlank() && c.getNextSibling() instanceof Element) {
                indent = c;
                break;
            }
        }
        if (before == null) {
            before = disk.getLastChild() != null && disk.getLastChild().getNodeType() == Node.TEXT_NODE
                    ? disk.getLastChild() : null;
            if (before != null && indent != null) {
                // last text is the newline before </disk>: new element goes after the sibling indent
                disk.insertBefore(disk.getOwnerDocument().createTextNode(indent.getNodeValue()), before);
                disk.insertBefore(e, before);
                return e;
            }
        }
        disk.insertBefore(e, before);
        if (indent != null) {
            disk.insertBefore(disk.getOwnerDocument().createTextNode(indent.getNodeValue()), before);
        }
        return e; // the caller marks it dirty, which keeps the disk's own tags and re-renders its children
    }
}
