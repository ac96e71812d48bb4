#!/usr/bin/env bash
# The work of the GitHub Action (action.yml): netverify diff against the pull request's base.
# Inputs come as INPUT_* variables; writes the markdown job summary and the SARIF file, and
# records netverify's exit code as the step output `exit-code` (the action fails on it later,
# after the SARIF upload). Runs anywhere bash, git and netverify are: tests run it directly.
set -uo pipefail

paths="${INPUT_PATHS:-.}"
base="${INPUT_BASE:-}"
fail_on="${INPUT_FAIL_ON:-}"
assertions="${INPUT_ASSERTIONS:-}"
sarif="${INPUT_SARIF_FILE:-netverify.sarif}"
markdown="${INPUT_MARKDOWN_FILE:-netverify-summary.md}"
output="${GITHUB_OUTPUT:-/dev/null}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"

if [ -z "$base" ]; then
  if [ -n "${GITHUB_BASE_REF:-}" ]; then
    # A pull request: fetch its base branch and compare against the merge base when history allows.
    git fetch --no-tags --quiet origin "+refs/heads/${GITHUB_BASE_REF}:refs/remotes/origin/${GITHUB_BASE_REF}" \
      || echo "::warning::netverify: could not fetch origin/${GITHUB_BASE_REF}"
    base="origin/${GITHUB_BASE_REF}"
    if merge_base="$(git merge-base "$base" HEAD 2>/dev/null)"; then
      base="$merge_base"
    else
      echo "::notice::netverify: no merge base with ${base} (shallow clone?); comparing with its tip." \
           "Use actions/checkout with fetch-depth: 0 for an exact pull-request diff."
    fi
  else
    base="HEAD~1"
  fi
fi

args=(diff --git-base "$base" -f text --report "sarif=${sarif}" --report "md=${markdown}")
[ -n "$fail_on" ] && [ "$fail_on" != "none" ] && args+=(--fail-on "$fail_on")
for file in $assertions; do  # space-separated assertion files or directories, as for paths
  args+=(--assertions "$file")
done
# shellcheck disable=SC2206  # paths and extra args are space-separated lists by design
args+=(${INPUT_ARGS:-} ${paths})

echo "netverify ${args[*]}"
netverify "${args[@]}"
code=$?

if [ -s "$markdown" ]; then
  cat "$markdown" >> "$summary"
fi
{
  echo "exit-code=${code}"
  [ -s "$sarif" ] && echo "sarif-file=${sarif}"
  [ -s "$markdown" ] && echo "markdown-file=${markdown}"
} >> "$output"
if [ "$code" -ge 2 ]; then
  echo "::error::netverify diff could not run (exit ${code}); see the messages above."
fi
exit 0
