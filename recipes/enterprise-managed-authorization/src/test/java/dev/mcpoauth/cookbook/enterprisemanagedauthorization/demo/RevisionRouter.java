package dev.mcpoauth.cookbook.enterprisemanagedauthorization.demo;

import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;

/**
 * Two MCP revisions on one URL: each request goes to the MCP SDK transport of the revision it speaks.
 * <p>
 * MCP 2026-07-28 (Versioning, "Backward Compatibility with Initialization-Based Versions"): a dual-era
 * server "selects its behavior from how the client opens": a request carrying the per-request
 * {@code _meta} protocol version is served statelessly, an {@code initialize} selects the legacy
 * semantics for the session. Over HTTP every such modern POST "MUST include an MCP-Protocol-Version
 * header" that "MUST match" the {@code _meta} version (Streamable HTTP, "Protocol Version Header"),
 * while legacy clients send a legacy version there, or nothing before 2025-06-18. So the header decides,
 * without reading the body: a POST whose {@code MCP-Protocol-Version} is present and not a legacy
 * version goes to the 2026-07-28 transport, which refuses a body whose {@code _meta} disagrees (-32020)
 * and a version it does not support (-32022, naming the ones it does). Everything else, {@code initialize},
 * GET and DELETE included, goes to the 2025-11-25 transport with its sessions.
 * <p>
 * A copy of resource-server-javalin's {@code RevisionRouter} (test code here, so not listed in
 * recipes/COPIES): the demo server routes as the cookbook's servers do.
 */
final class RevisionRouter extends HttpServlet {

    /** The revisions that open with {@code initialize} (2026-07-28 Versioning, "Terminology": legacy). */
    static final Set<String> LEGACY_VERSIONS = Set.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");

    private final HttpServlet modern;
    private final HttpServlet legacy;

    RevisionRouter(HttpServlet modern, HttpServlet legacy) {
        this.modern = modern;
        this.legacy = legacy;
    }

    /** The one routing rule; the auth filter in front asks it too, to answer each request as its transport would. */
    static boolean isModern(HttpServletRequest request) {
        String version = request.getHeader("MCP-Protocol-Version");
        return "POST".equals(request.getMethod()) && version != null && !LEGACY_VERSIONS.contains(version);
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        modern.init(config);
        legacy.init(config);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        (isModern(request) ? modern : legacy).service(request, response);
    }

    @Override
    public void destroy() {
        modern.destroy();
        legacy.destroy();
    }
}
