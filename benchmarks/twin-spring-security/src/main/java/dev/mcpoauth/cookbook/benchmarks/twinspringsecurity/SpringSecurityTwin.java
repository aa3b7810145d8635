package dev.mcpoauth.cookbook.benchmarks.twinspringsecurity;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

/**
 * The floor of the Spring auth-overhead figure: {@code twin-spring} with Spring Security configured as a
 * resource server is (bearer token from the header, scope authorization, stateless, no CSRF, no request
 * cache, no logout), and a JWT decoder that <em>checks nothing</em>: every token is the same fixed JWT.
 * Measured against {@code twin-spring}, it shows what Spring Security's filter chain costs before any token
 * is verified; {@code resource-server-spring} measured against it, what the recipe's own checks add.
 * Benchmark-only, and the opposite of a pattern: a server configured like this accepts any string as a token.
 */
@SpringBootApplication
public class SpringSecurityTwin {

    /** What every bearer token "decodes" to. */
    private static final Jwt ANY_TOKEN = Jwt.withTokenValue("benchmark-only").header("alg", "RS256")
            .subject("benchmark").claim("scope", "mcp:tools")
            .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(24 * 3600)).build();

    public static void main(String[] args) {
        SpringApplication.run(SpringSecurityTwin.class, args);
    }

    @Bean
    SecurityFilterChain resourceServer(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable())
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .requestCache(requestCache -> requestCache.disable())
            .logout(logout -> logout.disable())
            .authorizeHttpRequests(authorize -> authorize
                .requestMatchers("/mcp").hasAuthority("SCOPE_mcp:tools")
                .anyRequest().denyAll())
            .oauth2ResourceServer(resourceServer -> resourceServer.jwt(jwt -> jwt.decoder(token -> ANY_TOKEN)));
        return http.build();
    }

    @Bean
    HttpServletStreamableServerTransportProvider mcpTransport() {
        return HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json()).mcpEndpoint("/mcp").build();
    }

    @Bean(destroyMethod = "closeGracefully")
    McpSyncServer mcpServer(HttpServletStreamableServerTransportProvider transport) {
        Tool whoami = Tool.builder().name("whoami").description("Who you are")
                .inputSchema(json(), "{\"type\":\"object\",\"properties\":{}}").build();
        return McpServer.sync(transport).serverInfo("spring-security-twin", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(SyncToolSpecification.builder().tool(whoami).callHandler((exchange, request) ->
                        CallToolResult.builder().addTextContent("You are whoever you say: this server checks no token.")
                                .structuredContent(Map.of("subject", "anonymous", "username", "anonymous",
                                        "client", "none", "scopes", List.of("mcp:tools")))
                                .build()).build())
                .build();
    }

    @Bean
    ServletRegistrationBean<HttpServletStreamableServerTransportProvider> mcpServlet(
            HttpServletStreamableServerTransportProvider transport) {
        ServletRegistrationBean<HttpServletStreamableServerTransportProvider> registration =
                new ServletRegistrationBean<>(transport, "/mcp");
        registration.setAsyncSupported(true);
        return registration;
    }

    private static McpJsonMapper json() {
        return new JacksonMcpJsonMapper(JsonMapper.shared());
    }
}
