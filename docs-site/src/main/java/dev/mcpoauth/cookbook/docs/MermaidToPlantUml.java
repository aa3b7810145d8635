package dev.mcpoauth.cookbook.docs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of mermaid sequence diagrams the READMEs use (participants, solid and dashed
 * arrows, notes, alt/else/opt/loop blocks), as PlantUML, which renders them to SVG at build time
 * with no Graphviz.
 */
final class MermaidToPlantUml {

    private static final Pattern PARTICIPANT = Pattern.compile("participant\\s+(\\w+)\\s+as\\s+(.+)");
    private static final Pattern MESSAGE = Pattern.compile("(\\w+)\\s*(-->>|->>|-->|->)\\s*(\\w+)\\s*:\\s*(.*)");
    /** Spelled the same in both languages. */
    private static final Pattern BLOCK = Pattern.compile("(alt|else|opt|loop)(\\s+(.*))?");
    private static final Pattern NOTE = Pattern.compile("(?i)note\\s+(over|left of|right of)\\s+([\\w, ]+?)\\s*:\\s*(.*)");

    private MermaidToPlantUml() {
    }

    static String convert(String mermaid) {
        StringBuilder uml = new StringBuilder("@startuml\n");
        for (String raw : mermaid.split("\n")) {
            String line = raw.strip();
            Matcher m;
            if (line.isEmpty() || line.equals("sequenceDiagram")) {
                continue;
            } else if ((m = PARTICIPANT.matcher(line)).matches()) {
                uml.append("participant \"").append(m.group(2).replace("\"", "'")).append("\" as ").append(m.group(1));
            } else if ((m = MESSAGE.matcher(line)).matches()) {
                String arrow = m.group(2).startsWith("--") ? "-->" : "->";
                uml.append(m.group(1)).append(' ').append(arrow).append(' ').append(m.group(3))
                        .append(" : ").append(plainText(m.group(4)));
            } else if ((m = NOTE.matcher(line)).matches()) {
                uml.append("note ").append(m.group(1).toLowerCase()).append(' ').append(m.group(2))
                        .append(" : ").append(plainText(m.group(3)));
            } else if ((m = BLOCK.matcher(line)).matches()) {
                uml.append(m.group(1)).append(m.group(3) == null ? "" : " " + plainText(m.group(3)));
            } else if (line.equals("end")) {
                uml.append("end");
            } else {
                throw new IllegalArgumentException("Unsupported mermaid line (extend MermaidToPlantUml): " + line);
            }
            uml.append('\n');
        }
        return uml.append("@enduml\n").toString();
    }

    /** PlantUML reads Creole markup (//italic//, **bold**, --strike--) in texts; URLs are full of it. */
    private static String plainText(String text) {
        return text.replaceAll("(//|\\*\\*|--|__|\"\"|~~)", "~$1");
    }
}
