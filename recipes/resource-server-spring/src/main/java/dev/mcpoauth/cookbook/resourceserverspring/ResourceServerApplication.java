package dev.mcpoauth.cookbook.resourceserverspring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** An MCP server that is an OAuth 2.1 resource server only. See README.md. */
@SpringBootApplication
@EnableConfigurationProperties(McpServerProperties.class)
public class ResourceServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ResourceServerApplication.class, args);
    }
}
