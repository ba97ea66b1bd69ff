# Sourced by the shell suites right after they create their temporary directory DIR:
#
#   workdir_adopt DIR
#
# exports TMPDIR=DIR, so what the suite's children create in the temporary folder (a
# `lockyard serve --memory` server's data directory, above all one of a server the suite kills
# with SIGKILL, which cannot remove its own; a client's mktemp) is inside DIR and goes with the
# suite's EXIT trap; and turns SIGTERM, SIGINT and SIGHUP into an exit, so that trap also runs
# when the suite is stopped (run-all's timeout). tests/lib/workdir.py does the same for Python.
workdir_adopt() {
    export TMPDIR="$1"
    trap 'exit 143' TERM
    trap 'exit 130' INT
    trap 'exit 129' HUP
}
