#!/usr/bin/env bash
# Writes one recipe as a standalone Maven project: `make eject RECIPE=token-gateway DEST=../my-gateway`.
#
# A recipe's pom already stands alone (no parent from this repository, its own versions, no ../ paths).
# The one tie is its test dependency on the cookbook's shared test kit. We keep it a normal Maven
# dependency and install it (and the small parent pom it inherits versions from) into your local
# repository, rather than copying its sources into every project: your tests keep using the same
# real-Keycloak, headless-login and contract code the cookbook tests, and one `mvn install` from a
# cookbook checkout (or your repository manager) serves every ejected recipe.
set -euo pipefail

recipe="${1:?usage: eject.sh RECIPE DEST}"
dest="${2:?usage: eject.sh RECIPE DEST}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
source_dir="$root/recipes/$recipe"

[[ -f "$source_dir/pom.xml" ]] || { echo "No recipe '$recipe'. Choose one of: $(ls "$root/recipes" | tr '\n' ' ')" >&2; exit 2; }
if [[ -e "$dest" && -n "$(ls -A "$dest" 2>/dev/null)" ]]; then
  echo "$dest exists and is not empty; choose a new folder" >&2
  exit 2
fi

echo "Installing the cookbook test kit (and the probe it checks with) into your local Maven repository ..."
(cd "$root" && ./mvnw -B -q -N install && ./mvnw -B -q -pl shared-testkit -am install -DskipTests)

mkdir -p "$dest"
# The recipe without build output, plus the Maven wrapper so `./mvnw` works there as here.
tar -C "$source_dir" --exclude=./target -cf - . | tar -C "$dest" -xf -
cp -R "$root/mvnw" "$root/mvnw.cmd" "$root/.mvn" "$dest/"
printf 'target/\n*.iml\n.idea/\n' > "$dest/.gitignore"

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
readme="$dest/README.md"
# The recipe's README, its title first, then a note; commands and links that only work inside the
# cookbook repository rewritten or dropped.
{
  head -n 1 "$source_dir/README.md"
  printf '\n> Ejected from the MCP OAuth Cookbook (recipe `%s`, commit %s). Build and test: `./mvnw verify`.\n' "$recipe" "$commit"
  printf '> Run the demo: `./mvnw -q exec:java`. The tests need the cookbook test kit in your Maven repository\n'
  printf '> (`dev.mcpoauth.cookbook:shared-testkit`, installed by the eject).\n'
  tail -n +2 "$source_dir/README.md" | sed \
      -e "s#make run RECIPE=$recipe *\(\# from the repository root\)\?#./mvnw -q exec:java#" \
      -e 's#\.\./\.\./mvnw#./mvnw#g' \
      -e 's#\](\.\./\.\./[^)]*)#]#g'
} > "$readme"

if grep -n '\.\./' "$dest/pom.xml" >/dev/null; then
  echo "warning: $dest/pom.xml still refers to a path outside the project" >&2
fi
echo "Ejected $recipe to $dest. Next: cd $dest && ./mvnw verify"
