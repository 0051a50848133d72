#!/bin/sh
# The spec's old name for `ork gates` (`all`, its old argument, means every gate); ORK says how to start ork.
[ "${1-}" = all ] && shift; exec ${ORK:-ork} gates "$@"
