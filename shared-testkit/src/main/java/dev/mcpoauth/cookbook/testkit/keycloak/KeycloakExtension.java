package dev.mcpoauth.cookbook.testkit.keycloak;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects the JVM's shared {@link KeycloakServer} into test constructors, lifecycle methods and
 * test methods: {@code @ExtendWith(KeycloakExtension.class)}.
 */
public final class KeycloakExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KeycloakServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return Keycloak.shared();
    }
}
