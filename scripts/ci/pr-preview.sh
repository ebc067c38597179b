#!/usr/bin/env bash
# Pull-request preview, the steps the CI recipes in docs/pull-request-previews.md run:
#   1. ivr-promoter diff of the merge base with the target branch against HEAD, as Markdown;
#   2. post it as ONE comment on the pull / merge request, updated in place on every push
#      (found again by the hidden marker the Markdown starts with).
# Environment:
#   PREVIEW_BASE       the target branch as a revision (e.g. origin/main)           (required)
#   PREVIEW_PROVIDER   github | gitlab                                               (required)
#   PREVIEW_DIR        the flow repository checkout (default .); PREVIEW_PATH the flow path (default .)
#   IVR_PROMOTER       how to run the CLI (default: npx --yes ivr-promoter)
#   plus the provider's variables, see post-preview-comment.mjs.
# Exit status: diff's (0 no change, 1 changes: both succeed here), or 2+ when the diff or the post failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${PREVIEW_DIR:-.}"
: "${PREVIEW_BASE:?set PREVIEW_BASE to the target branch, e.g. origin/main}"
: "${PREVIEW_PROVIDER:?set PREVIEW_PROVIDER to github or gitlab}"
read -r -a cli <<<"${IVR_PROMOTER:-npx --yes ivr-promoter}"

base="$(git -C "$dir" merge-base HEAD "$PREVIEW_BASE")" || {
  echo "pr-preview: no merge base of HEAD and $PREVIEW_BASE (fetch the target branch, with history)" >&2
  exit 2
}
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"${cli[@]}" diff --dir "$dir" --path "${PREVIEW_PATH:-.}" --base "$base" --head HEAD --output markdown >"$out"
rc=$?
if [ "$rc" -gt 1 ] && [ "$rc" -ne 3 ]; then
  echo "pr-preview: ivr-promoter diff failed (exit $rc); no comment posted" >&2
  exit "$rc"
fi
node "$here/post-preview-comment.mjs" "$out" || exit 2
# 3 = the preflight against a target failed: the comment says why; fail the job too.
[ "$rc" -eq 3 ] && exit 3
exit 0
