package dev.mcpoauth.cookbook.githubproxy;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * An OAuth 2.1 authorization server for MCP clients (dynamic registration, client ID metadata
 * documents, PKCE, resource indicators, per-client consent) in front of GitHub, which offers none
 * of that, and the MCP server whose tools call GitHub for the signed-in user.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GitHubProxyApplication {

    public static void main(String[] args) {
        SpringApplication.run(GitHubProxyApplication.class, args);
    }
}
