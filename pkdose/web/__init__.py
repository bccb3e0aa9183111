"""Local web calculator: ``pkdose serve`` (needs the ``web`` extra: FastAPI and uvicorn).

See ``docs/web.md``: how to start it, the endpoints, and what it does and does
not do with patient data.
"""

import errno
import ipaddress
import socket
import sys

from ..errors import InputError
from .app import LOOPBACK_HOSTS, create_app, uvicorn_log_config

__all__ = ["create_app", "serve", "bind", "allowed_hosts", "head_timeout_protocol"]

#: Ports a user may choose.
PORT_RANGE = (1, 65535)
#: Time a request head (request line and headers) may take to arrive [s]; the body's own deadline is
#: :data:`pkdose.web.app.BODY_TIMEOUT_S`. A connection that sends nothing, or a head slowly, is closed.
HEADER_TIMEOUT_S = 10.0


def head_timeout_protocol():
    r"""uvicorn's HTTP/1.1 protocol with a deadline for every request head (against slow-header clients).

    Returns
    -------
    type
        A subclass of ``uvicorn.protocols.http.h11_impl.H11Protocol`` for
        ``uvicorn.Config(http=...)`` [-].

    Notes
    -----
    uvicorn times out an idle keep-alive connection but not one that sends
    nothing, or a request line and headers a byte at a time; each would hold
    a connection open for ever. The deadline (:data:`HEADER_TIMEOUT_S`) starts
    when the connection opens and again after each response, and stops when a
    whole request head has arrived.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadTimeoutH11Protocol(H11Protocol):
        _head_timer = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._start_head_deadline()

        def _start_head_deadline(self):
            self._stop_head_deadline()
            self._head_timer = self.loop.call_later(HEADER_TIMEOUT_S, self._head_expired)

        def _stop_head_deadline(self):
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_expired(self):
            self._head_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def handle_events(self):
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._stop_head_deadline()  # a whole head arrived; the body has the app's deadline

        def on_response_complete(self):
            self._start_head_deadline()  # before a pipelined request is parsed, which stops it again
            super().on_response_complete()

        def connection_lost(self, exc):
            self._stop_head_deadline()
            super().connection_lost(exc)

    return HeadTimeoutH11Protocol


def _is_loopback(address):
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _addresses(host, port):
    """(family, address) of every address `host` names; InputError naming --host if none."""
    if not isinstance(host, str) or not host.strip() or host != host.strip():
        raise InputError(f"{{host}} {host!r} is not an address: give an IP address or a host name, e.g. "
                         "127.0.0.1", field="host")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(f"{{host}} {host!r} is not an address of this computer ({exc.args[-1]})",
                         field="host") from None
    return list(dict.fromkeys((family, info[0]) for family, _, _, _, info in infos))


def bind(host="127.0.0.1", port=8765, *, allow_remote=False):
    r"""Open the listening socket before anything is printed: one clear error, or a bound socket.

    Parameters
    ----------
    host : str, optional
        Address or name to bind [-].
    port : int, optional
        TCP port, 1–65535 [-].
    allow_remote : bool, optional
        Whether an address other computers can reach may be bound [-].

    Returns
    -------
    tuple
        ``(socket, address)``: the bound, listening socket and the address bound [-].

    Raises
    ------
    InputError
        The port is out of range, in use or privileged; the host is empty, not
        resolvable or not an address of this computer; or it is not loopback
        and `allow_remote` is false (``field`` is ``"port"``, ``"host"`` or
        ``"allow_remote"``).
    """
    if isinstance(port, bool) or not isinstance(port, int) or not PORT_RANGE[0] <= port <= PORT_RANGE[1]:
        raise InputError(f"{{port}} {port!r} is outside {PORT_RANGE[0]}–{PORT_RANGE[1]}", field="port")
    family, address = _addresses(host, port)[0]
    if not _is_loopback(address) and host != "localhost" and not allow_remote:
        raise InputError(f"{{host}} {host} lets other computers use the calculator, which has no login and no "
                         "encryption: add {allow_remote} to do so knowingly, or keep the default 127.0.0.1",
                         field="allow_remote")
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((address, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"{{port}} {port} is in use on {address} (another pkdose serve?); choose another "
                             "port with {port}", field="port") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InputError(f"{{port}} {port} needs administrator rights; use a port above 1023",
                             field="port") from None
        raise InputError(f"{{host}} {host}: cannot listen on {address} ({exc.strerror}); is it an address of "
                         "this computer?", field="host") from None
    return sock, address


def allowed_hosts(host, address, extra=()):
    r"""The Host names the server answers to: loopback names, plus this computer's when serving remotely.

    Parameters
    ----------
    host : str
        The --host given [-].
    address : str
        The address bound [-].
    extra : sequence of str, optional
        More names (DNS aliases) [-].

    Returns
    -------
    tuple of str

    Notes
    -----
    A browser sends the name it used in the ``Host`` header; accepting only
    known names keeps a malicious web page from reaching the calculator
    through DNS rebinding. Remote serving adds the computer's host name, its
    fully qualified name, the addresses they resolve to, the address bound and
    the address of the default route (a wildcard address is never a name a
    browser sends).

    References
    ----------
    .. [1] Jackson C, Barth A, Bortz A, Shao W, Boneh D. Protecting browsers
       from DNS rebinding attacks. In: Proceedings of the 14th ACM Conference
       on Computer and Communications Security (CCS '07). ACM; 2007:421-431.
    """
    if _is_loopback(address) or host == "localhost":
        return LOOPBACK_HOSTS
    names = {*LOOPBACK_HOSTS, host, *extra}
    for name in (socket.gethostname(), socket.getfqdn()):
        names.add(name)
        try:
            names.update(info[4][0] for info in socket.getaddrinfo(name, None))
        except OSError:
            pass
    wildcard = address in ("0.0.0.0", "::")
    if not wildcard:
        names.add(address)
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:  # a UDP "connect" sends nothing: it only asks the kernel which address the route uses
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                names.add(s.getsockname()[0])
        except OSError:
            pass
    names.discard("0.0.0.0")
    names.discard("::")
    out = set()
    for n in names:
        n = n.split("%", 1)[0].lower()
        out.add(f"[{n}]" if ":" in n and not n.startswith("[") else n)
        out.add(n)
    return tuple(sorted(out))


def serve(host="127.0.0.1", port=8765, *, allow_remote=False, extra_hosts=()):
    """Serve the web calculator until interrupted (Ctrl+C).

    Parameters
    ----------
    host : str, optional
        Address to bind; default loopback only [-].
    port : int, optional
        TCP port [-].
    allow_remote : bool, optional
        Allow an address other computers can reach; prints a warning [-].
    extra_hosts : sequence of str, optional
        More names this computer is reached by, with `allow_remote` [-].

    Returns
    -------
    None

    Raises
    ------
    InputError
        Before anything is printed: a port in use or out of range, a bad
        host, or a remote address without `allow_remote`.
    """
    import uvicorn

    if extra_hosts and not allow_remote:
        raise InputError("{allowed_host} is used only with {allow_remote}", field="allowed_host")
    sock, address = bind(host, port, allow_remote=allow_remote)
    hosts = allowed_hosts(host, address, extra_hosts)
    app = create_app(allowed_hosts=hosts)
    shown = f"[{address}]" if ":" in address else address
    print(f"pkdose web calculator: http://{shown}:{port}/  (Ctrl+C to stop; nothing is stored or logged)",
          flush=True)
    if hosts != LOOPBACK_HOSTS:
        print(f"WARNING: serving other computers on {address}:{port}: anyone who can reach it can use the "
              "calculator, with no login and no encryption. Host names answered: "
              f"{', '.join(h for h in hosts if h not in LOOPBACK_HOSTS)}", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False,
                            proxy_headers=False, log_config=uvicorn_log_config(), timeout_keep_alive=5,
                            http=head_timeout_protocol())
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
