#!/usr/bin/env bash
# Proves "copy a recipe as a starting template": ejects every recipe into a temporary folder outside
# this repository and runs its tests there. Used by CI; slow (every recipe's tests run once more).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for recipe_dir in "$root"/recipes/*/; do
  recipe="$(basename "$recipe_dir")"
  [[ -f "$recipe_dir/pom.xml" ]] || continue
  echo "=== eject $recipe"
  "$root/tools/eject/eject.sh" "$recipe" "$work/$recipe" >/dev/null
  if (cd "$work/$recipe" && ./mvnw -B -q verify > "$work/$recipe.log" 2>&1); then
    echo "    ok: its tests pass outside the cookbook"
  else
    echo "    FAILED; last lines of the log:"
    tail -40 "$work/$recipe.log"
    failed+=("$recipe")
  fi
done
if (( ${#failed[@]} )); then
  echo "Ejected recipes whose tests failed: ${failed[*]}"
  exit 1
fi
