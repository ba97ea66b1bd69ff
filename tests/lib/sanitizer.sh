# Sourced by the test suites: the one matcher for sanitizer reports (AddressSanitizer,
# UndefinedBehaviorSanitizer, LeakSanitizer) in a process's stderr. tests/lib/sanitizer.py
# reads SANITIZER_ERE from this file, so shell and Python suites match the same lines.
#
#   sanitizer_report FILE...   exit 0 and print the reports (first 60 lines) when any FILE
#                              holds one; exit 1 when none does (missing files hold none).
#
# What a report looks like: "==PID==ERROR: AddressSanitizer: heap-buffer-overflow ...",
# "==PID==ERROR: LeakSanitizer: detected memory leaks", "file.c:12:5: runtime error: signed
# integer overflow ...", each ending in "SUMMARY: <Tool>Sanitizer: ...".
SANITIZER_ERE='Sanitizer has encountered a fatal error|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer)'

sanitizer_report() {
    local files=() f
    for f in "$@"; do [ -f "$f" ] && files+=("$f"); done
    [ "${#files[@]}" -gt 0 ] || return 1
    grep -qE "$SANITIZER_ERE" "${files[@]}" || return 1
    grep -H -A20 -E "$SANITIZER_ERE" "${files[@]}" | head -n 60
    return 0
}
