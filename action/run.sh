#!/usr/bin/env bash
# The action's scan step: inputs arrive as INPUT_* variables (never interpolated into the
# script), the log gets the chosen format, the job summary Markdown, code scanning SARIF, and
# the exit code is an output so that the SARIF upload still runs when findings fail the step.
set -uo pipefail

fail_on="${INPUT_FAIL_ON:-high}"
format="${INPUT_FORMAT:-github}"
case "$fail_on" in
  critical|high|medium|low|info|none) ;;
  *) echo "::error title=fnguard::fail-on must be critical, high, medium, low, info or none, got '$fail_on'"; exit 2 ;;
esac
case "$format" in
  github|human|json|markdown|sarif|junit|gitlab) ;;
  *) echo "::error title=fnguard::unknown format '$format'"; exit 2 ;;
esac

# Paths and extra arguments are split on whitespace, never evaluated by a shell.
read -r -d '' -a paths <<< "${INPUT_PATHS:-.}" || true
[ "${#paths[@]}" -gt 0 ] || paths=(.)
read -r -d '' -a extra <<< "${INPUT_ARGS:-}" || true

common=()
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && common+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_DIFF_BASE:-}" ] && common+=(--diff-base "$INPUT_DIFF_BASE")
common+=(--no-progress --color never)
common+=("${extra[@]}")

fnguard scan "${paths[@]}" "${common[@]}" --format "$format" --fail-on "$fail_on"
code=$?
echo "exit-code=$code" >> "${GITHUB_OUTPUT:?}"

out_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
if [ "${INPUT_UPLOAD_SARIF:-false}" = "true" ]; then
  sarif="$out_dir/fnguard.sarif"
  if fnguard scan "${paths[@]}" "${common[@]}" --format sarif --fail-on none --output "$sarif" 2>/dev/null; then
    echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
  else
    echo "::warning title=fnguard::the SARIF report could not be written"
  fi
fi
if [ "${INPUT_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  fnguard scan "${paths[@]}" "${common[@]}" --format markdown --fail-on none >> "$GITHUB_STEP_SUMMARY" 2>/dev/null \
    || echo "::warning title=fnguard::the job summary could not be written"
fi
# The step itself succeeds: the action's last step fails the job from the exit-code output,
# after the SARIF upload has run.
exit 0
