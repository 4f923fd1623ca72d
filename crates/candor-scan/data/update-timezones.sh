#!/usr/bin/env bash
# Regenerate timezones.txt from the system's tz database (Debian: package tzdata).
# Only identifiers containing `/` are kept: bare names (UTC, GMT, EST) match too much.
set -euo pipefail
cd "$(dirname "$0")"
{
  echo "# IANA time-zone identifiers (zones and links), one per line."
  echo "# Source: the tz database as shipped in Debian's tzdata (/usr/share/zoneinfo/tzdata.zi, public domain)."
  echo "# Regenerate: crates/candor-scan/data/update-timezones.sh"
  awk '$1=="Z"{print $2} $1=="L"{print $3}' /usr/share/zoneinfo/tzdata.zi | grep / | sort -u
} > timezones.txt
