package dev.mcpoauth.cookbook.repochecks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository these checks read: two levels above this module. */
final class Repository {

    static final Path ROOT = Path.of("").toAbsolutePath().resolve("../..").normalize();

    private Repository() {
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    /** {@code recipes/<name>/pom.xml} of every recipe. */
    static List<Path> recipePoms() throws IOException {
        try (Stream<Path> recipes = Files.list(path("recipes"))) {
            return recipes.map(recipe -> recipe.resolve("pom.xml")).filter(Files::isRegularFile).sorted().toList();
        }
    }
}
