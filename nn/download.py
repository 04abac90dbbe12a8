"""Downloading one file, bounded in size and in time, whatever the server does.

urllib's ``timeout`` bounds each network read, not the download: a server that sends one
byte every half second never trips it, and one that sends an endless body fills the disk.
Here a download ends by its deadline and never takes more bytes than the file can hold:

- the server must answer (name lookup, connection, response headers) within
  ``connect_timeout``; the opening runs in a daemon thread, because a socket timeout does
  not cover the name lookup, which stalls for 10-30 s when the name server is silent;
- a body announced (Content-Length) or sent longer than ``limit`` is refused or cut off;
- each read may wait ``read_timeout`` for data, and at the deadline a watchdog hangs up
  the connection, which ends any read at once (a slow drip, a stalled chunk header);
- a body shorter than its Content-Length is an error, not a short file.
"""

import http.client
import queue
import socket
import threading
import time
import urllib.request

__all__ = ["Deadline", "download"]

_CHUNK = 1 << 16


class Deadline:
    """A moment ``seconds`` from now; ``left()`` is the time remaining until it."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


def download(url, out, limit, deadline, connect_timeout=5.0, read_timeout=30.0):
    """Write the body at ``url`` into the binary file ``out``.

    Args:
        url: the address (http, https, or anything urllib opens).
        out: a file open for binary writing.
        limit: the most bytes the body may have.
        deadline: a Deadline for the whole download, opening included.
        connect_timeout: seconds the server may take to answer at all.
        read_timeout: seconds each read may wait for data.

    Returns:
        The number of bytes written.

    Raises:
        TimeoutError: no answer within connect_timeout, no data within read_timeout, or
            the deadline passed; the message starts with "timed out".
        OSError: the body is longer than ``limit`` or shorter than announced; an HTTP
            error status (urllib.error.HTTPError) or an unreachable server (URLError).
        http.client.HTTPException: the server broke the protocol or hung up.
    """
    response = _open(url, min(deadline.left(), connect_timeout), deadline)
    with response:
        announced = _announced_length(response)
        if announced is not None and announced > limit:
            raise OSError(f"the server announces {announced:,} bytes; this file has at "
                          f"most {limit:,}")
        sock = _socket_of(response)
        hung_up = threading.Event()
        watchdog = None
        if sock is not None:
            sock.settimeout(read_timeout)
            watchdog = threading.Timer(max(deadline.left(), 0.0), _hang_up, [sock, hung_up])
            watchdog.daemon = True
            watchdog.start()
        received = 0
        try:
            while True:
                if deadline.left() <= 0:
                    raise _late(deadline, received)
                try:
                    chunk = response.read1(_CHUNK)   # one network read at most
                except (OSError, ValueError, http.client.HTTPException):
                    if hung_up.is_set():
                        raise _late(deadline, received) from None
                    raise
                if not chunk:
                    break
                received += len(chunk)
                if received > limit:
                    raise OSError(f"the server sent more than the {limit:,} bytes this "
                                  "file can have; cut off")
                out.write(chunk)
        finally:
            if watchdog is not None:
                watchdog.cancel()
        # After a hang-up the body ends early; only a full Content-Length proves it whole.
        if hung_up.is_set() and received != announced:
            raise _late(deadline, received)
        if announced is not None and received != announced:
            # urllib returns a connection closed early as a short body, not an error.
            raise OSError(f"connection closed after {received:,} of {announced:,} bytes")
    return received


def _late(deadline, received):
    return TimeoutError(f"timed out: the download took longer than the {deadline.seconds:g} s "
                        f"given (timeout), after {received:,} bytes")


def _open(url, wait, deadline):
    """``urllib.request.urlopen(url)``, given up when it has not answered within ``wait``.

    A late opening thread is left behind to finish on its own; its socket times out
    within ``wait`` too, so only a stalled name lookup outlives the call.
    """
    if wait <= 0:
        raise TimeoutError(f"timed out: the {deadline.seconds:g} s given (timeout) are spent")
    answers = queue.Queue()

    def opening():
        try:
            answers.put(urllib.request.urlopen(url, timeout=wait))
        except Exception as err:
            answers.put(err)

    threading.Thread(target=opening, daemon=True).start()
    no_answer = TimeoutError(f"timed out: no answer within {wait:g} s (offline?)")
    try:
        answer = answers.get(timeout=wait)
    except queue.Empty:
        raise no_answer from None
    # The socket's own timeout, which may beat the queue's by a hair (URLError wraps it).
    if isinstance(answer, TimeoutError) or isinstance(getattr(answer, "reason", None), TimeoutError):
        raise no_answer from None
    if isinstance(answer, Exception):
        raise answer
    return answer


def _announced_length(response):
    """The Content-Length the server announced, or None (absent, chunked, or garbled)."""
    try:
        length = int(response.headers.get("Content-Length"))
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def _socket_of(response):
    """The socket under an http.client response (``fp.raw._sock``), or None.

    urllib does not expose it, but only the socket lets a watchdog end a read that is
    already waiting; without it the deadline is checked between reads, each of which
    waits at most the socket's own timeout.
    """
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _hang_up(sock, hung_up):
    """Shut the connection down under a reader that is waiting: its read returns at once.

    socket.socket.shutdown, not SSLSocket.shutdown, which would also drop the TLS state
    the reading thread is using.
    """
    hung_up.set()
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass
