"""Local web calculator: ``pkdose serve`` (needs the ``web`` extra: FastAPI and uvicorn).

See ``docs/web.md``: how to start it, the endpoints, and what it does and does
not do with patient data.

References
----------
.. [1] Ramírez S. FastAPI. https://fastapi.tiangolo.com (accessed 2026-11-23).
.. [2] Encode. Uvicorn. https://www.uvicorn.org (accessed 2026-11-23).
"""

import ipaddress
import sys

from .app import LOOPBACK_HOSTS, create_app, uvicorn_log_config

__all__ = ["create_app", "serve"]


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host="127.0.0.1", port=8765):
    """Serve the web calculator until interrupted (Ctrl+C).

    Parameters
    ----------
    host : str, optional
        Address to bind; default loopback only. Any other address exposes an
        unauthenticated calculator to the network and prints a warning [-].
    port : int, optional
        TCP port [-].

    Returns
    -------
    None

    References
    ----------
    .. [1] Encode. Uvicorn settings. https://www.uvicorn.org/settings/
    """
    import uvicorn

    hosts = LOOPBACK_HOSTS if _is_loopback(host) else (*LOOPBACK_HOSTS, host)
    app = create_app(allowed_hosts=hosts)
    shown = f"[{host}]" if ":" in host else host
    print(f"pkdose web calculator: http://{shown}:{port}/  (Ctrl+C to stop; nothing is stored or logged)",
          flush=True)
    if not _is_loopback(host):
        print(f"WARNING: bound to {host}, not loopback: anyone who can reach this address can use the "
              "calculator, with no authentication and no encryption.", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False,
                proxy_headers=False, log_config=uvicorn_log_config())
