#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# meson install script: install-conf.sh SRC DEST MODE
# Installs SRC as $DESTDIR/DEST with MODE unless DEST exists: a configuration file
# belongs to the operator once installed, and reinstalling must not overwrite it.
set -eu
src=$1 dest=${DESTDIR:-}$2 mode=$3
if [ -e "$dest" ]; then
	echo "install-conf: keeping $dest (installed copy left as it is)"
	exit 0
fi
install -D -m "$mode" "$src" "$dest"
echo "install-conf: installed $dest"
