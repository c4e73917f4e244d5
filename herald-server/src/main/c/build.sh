#!/bin/sh
# Builds the io_uring send path (herald_uring.c) into the jar's classes when a C compiler and the
# kernel's headers are here; without them the server is built without it and sends with epoll
# (docs/configuration.md, HERALD_FANOUT_SEND). Called by Maven: build.sh SOURCE_DIR OUTPUT_DIR JAVA_HOME
set -e
src="$1/herald_uring.c"
out="$2/META-INF/native"
jdk="$3"
cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "herald-server: no C compiler ($cc): built without the io_uring send path"
  exit 0
fi
if [ ! -f /usr/include/linux/io_uring.h ] || [ ! -f "$jdk/include/jni.h" ]; then
  echo "herald-server: no <linux/io_uring.h> or jni.h: built without the io_uring send path"
  exit 0
fi
case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  aarch64) arch=aarch_64 ;;
  *) echo "herald-server: no io_uring send path for $(uname -m)"; exit 0 ;;
esac
mkdir -p "$out"
"$cc" -O2 -Wall -Werror -fPIC -shared -I"$jdk/include" -I"$jdk/include/linux" \
  -o "$out/libherald_uring_$arch.so" "$src"
