package dev.mcpoauth.cookbook.githubproxy.github;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;

/**
 * How users sign in: with GitHub, through Spring's {@code oauth2Login} as one confidential OAuth
 * App (client id and secret from the environment; endpoints in application.yml). GitHub's code
 * only ever comes back to the proxy's own callback; the GitHub token it buys is stored encrypted
 * ({@link GitHubTokenStore}) and never reaches an MCP client. Also serves the consent page.
 */
@Configuration
class UpstreamLoginConfig {

    @Bean
    @Order(3)
    SecurityFilterChain upstreamLoginChain(HttpSecurity http, AuditLog audit) throws Exception {
        SavedRequestAwareAuthenticationSuccessHandler backToAuthorization = new SavedRequestAwareAuthenticationSuccessHandler();
        SimpleUrlAuthenticationFailureHandler loginFailed = new SimpleUrlAuthenticationFailureHandler("/login?error");
        http
            .authorizeHttpRequests(authorize -> authorize
                // Without this, an error page for a bad authorization request would itself send the user to GitHub.
                .requestMatchers("/error").permitAll()
                .anyRequest().authenticated())
            .oauth2Login(login -> login
                .successHandler((request, response, authentication) -> {
                    audit.record("github_login", null, authentication.getName(), "ok");
                    backToAuthorization.onAuthenticationSuccess(request, response, authentication);
                })
                .failureHandler((request, response, failure) -> {
                    String error = failure instanceof OAuth2AuthenticationException oauth
                            ? oauth.getError().getErrorCode() : failure.getClass().getSimpleName();
                    audit.record("github_login", null, null, "failed", Map.of("error", error));
                    loginFailed.onAuthenticationFailure(request, response, failure);
                }))
            .headers(headers -> headers.frameOptions(frame -> frame.deny()));
        return http.build();
    }
}
