package dev.mcpoauth.cookbook.probe;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the server speaks one MCP revision, as far as its answers show: an answered {@code initialize}
 * (2025-11-25) or {@code server/discover} (2026-07-28) says yes; an answer a server of the other era gives
 * says no; a refusal before the MCP layer (401, 403) says nothing.
 *
 * @param detail what was seen, for the report
 */
public record RevisionSupport(Revision revision, Support support, String detail) {

    public enum Support {
        SPEAKS, DOES_NOT_SPEAK, NOT_DETERMINED;

        /** For the JSON report: {@code speaks}, {@code does-not-speak}, {@code not-determined}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public boolean speaks() {
        return support == Support.SPEAKS;
    }

    /** From the answer to {@code initialize}, sent with the token when there is one. */
    static RevisionSupport fromInitialize(ProbeResponse answer, boolean withToken) {
        Revision revision = Revision.MCP_2025_11_25;
        String seen = "initialize" + (withToken ? " with the token" : " without a token") + ": " + McpResult.describe(answer);
        Optional<Map<String, Object>> result = McpResult.result(answer);
        if (answer.status() / 100 == 2 && result.isPresent()) {
            Object version = result.get().get("protocolVersion");
            String session = answer.first("Mcp-Session-Id").map(id -> ", Mcp-Session-Id set").orElse(", no Mcp-Session-Id");
            return revision.version().equals(version)
                    ? new RevisionSupport(revision, Support.SPEAKS, seen + ", protocolVersion " + version + session)
                    : new RevisionSupport(revision, Support.DOES_NOT_SPEAK, seen + ", but it negotiated protocolVersion "
                            + version + " instead");
        }
        if (McpResult.errorCode(answer).filter(code -> code == StatelessWire.UNSUPPORTED_PROTOCOL_VERSION).isPresent()) {
            return new RevisionSupport(revision, Support.DOES_NOT_SPEAK, seen + ": a server of the stateless era only,"
                    + " supported " + supported(answer));
        }
        return notDetermined(revision, answer, seen);
    }

    /** From the answer to a stateless {@code server/discover}. */
    static RevisionSupport fromDiscover(ProbeResponse answer, boolean withToken) {
        Revision revision = Revision.MCP_2026_07_28;
        String seen = "server/discover" + (withToken ? " with the token" : " without a token") + ": "
                + McpResult.describe(answer);
        Optional<Map<String, Object>> result = McpResult.result(answer);
        if (answer.status() / 100 == 2 && result.isPresent()) {
            List<String> versions = Json.strings(result.get(), "supportedVersions");
            return versions.contains(revision.version())
                    ? new RevisionSupport(revision, Support.SPEAKS, seen + ", supportedVersions " + versions)
                    : new RevisionSupport(revision, Support.DOES_NOT_SPEAK, seen + ", supportedVersions " + versions);
        }
        Optional<Integer> code = McpResult.errorCode(answer);
        if (code.filter(c -> c == StatelessWire.UNSUPPORTED_PROTOCOL_VERSION).isPresent()) {
            return new RevisionSupport(revision, Support.DOES_NOT_SPEAK, seen + ", supported " + supported(answer));
        }
        if (answer.status() / 100 == 4 && answer.status() != 401 && answer.status() != 403
                && code.filter(StatelessWire.MODERN_ERRORS::contains).isEmpty()) {
            // MCP 2026-07-28 Streamable HTTP, Backward Compatibility: a 4xx without a modern JSON-RPC error is
            // the answer of a server of the initialize era; a client falls back to initialize.
            return new RevisionSupport(revision, Support.DOES_NOT_SPEAK, seen + ": no modern JSON-RPC error, the"
                    + " answer of a server of the initialize era");
        }
        return notDetermined(revision, answer, seen);
    }

    private static RevisionSupport notDetermined(Revision revision, ProbeResponse answer, String seen) {
        String why = answer.status() == 401 || answer.status() == 403
                ? ": refused before the MCP layer, as authorization comes first; give --token-file to see which"
                        + " revisions the server speaks"
                : "";
        return new RevisionSupport(revision, Support.NOT_DETERMINED, seen + why);
    }

    private static List<String> supported(ProbeResponse answer) {
        return McpResult.error(answer).filter(e -> e.get("data") instanceof Map<?, ?>)
                .map(e -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> data = (Map<String, Object>) e.get("data");
                    return Json.strings(data, "supported");
                }).orElse(List.of());
    }

    CheckResult result() {
        Check check = revision == Revision.MCP_2025_11_25 ? Checks.REVISION_2025_11_25 : Checks.REVISION_2026_07_28;
        String verdict = switch (support) {
            case SPEAKS -> "speaks " + revision.version();
            case DOES_NOT_SPEAK -> "does not speak " + revision.version() + " (information, not a failure)";
            case NOT_DETERMINED -> "not determined";
        };
        return check.info(verdict + ": " + detail);
    }
}
