package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The enterprise identity provider: the company's users sign in here once (OpenID Connect), and their MCP clients
 * exchange that sign-in's ID token for an ID-JAG per MCP server the enterprise's policy lets them reach.
 */
@SpringBootApplication
@EnableConfigurationProperties(EnterpriseIdpProperties.class)
public class EnterpriseIdpApplication {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    public static void main(String[] args) {
        SpringApplication.run(EnterpriseIdpApplication.class, args);
    }
}
