"""The seat core stays a library: no web framework inside."""

import subprocess
import sys


def test_importing_seat_core_loads_no_flask():
    code = "import sys, seat_core; print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'werkzeug', 'scim_gateway'}))"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
