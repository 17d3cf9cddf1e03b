#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 needs 3.10), or explain what to install.
set -u
candidates=("${PYTHON310:-}" python3.10)
for d in "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  candidates+=("$d")
done
for c in "${candidates[@]}"; do
  [ -n "$c" ] || continue
  if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done
cat >&2 <<'MSG'
No se encontró Python 3.10 (Rasa 3.6 requiere Python 3.10).
Instálelo y vuelva a intentar, por ejemplo:
  pyenv install 3.10.13            (con pyenv)
  sudo apt-get install python3.10 python3.10-venv   (Debian/Ubuntu con el paquete disponible)
o indique la ruta con: make run PYTHON310=/ruta/a/python3.10
MSG
exit 1
