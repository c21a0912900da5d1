"""`exchangeql serve | schema | exchanges | replay | conformance`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from .errors import GatewayError


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import build_app
    from .settings import load_settings

    settings = load_settings(args.config)
    app = build_app(settings, replay=args.replay or settings.replay)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per upstream call is noise
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from .schema.root import build_schema
    from .settings import Settings

    sys.stdout.write(build_schema(Settings()).as_str() + "\n")
    return 0


def _exchanges(args: argparse.Namespace) -> int:
    from .cache import ResponseCache, build_backend
    from .gateway import build_gateway
    from .settings import load_settings

    settings = load_settings(args.config)
    gateway = build_gateway(settings, ResponseCache(build_backend("memory://")))
    rows = [("ID", "STATUS", "ENGINE", "SUCCESSOR", "CAPABILITIES")]
    for ref in gateway.refs.values():
        if args.status and ref.status != args.status.lower():
            continue
        caps = ""
        if ref.service is not None:
            caps = " ".join(
                m.value.removeprefix("fetch_")
                for m, s in ref.service.capabilities.items()
                if s.value != "none"
            )
        engine = ref.engine.value if ref.engine else "-"
        rows.append((ref.id, ref.status.upper(), engine, ref.successor or "-", caps or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        sys.stdout.write(
            "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4] + "\n"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # These two own their argument parsing (they are also usable as libraries).
    if argv[:1] == ["replay"]:
        from .transport.replay import main_replay

        return main_replay(argv[1:])
    if argv[:1] == ["conformance"]:
        from .conformance import main_conformance

        return main_conformance(argv[1:])

    parser = argparse.ArgumentParser(prog="exchangeql", description="A GraphQL gateway for crypto exchanges.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gateway (GraphiQL on GET /graphql)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--config", help="TOML settings file (see README)")
    serve.add_argument("--replay", action="store_true", help="serve native exchanges from bundled recordings")
    serve.set_defaults(run=_serve)
    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(run=_schema)
    exchanges = sub.add_parser("exchanges", help="list exchanges with status, engine and capabilities")
    exchanges.add_argument("--status", choices=["active", "closed", "unsupported", "unverified"])
    exchanges.add_argument("--config")
    exchanges.set_defaults(run=_exchanges)
    sub.add_parser("replay", help="run the recorded-upstream replay server (see `exchangeql replay -h`)")
    sub.add_parser("conformance", help="check native adapters against ccxt static test files")
    from .trading.commands import add_token_parser

    add_token_parser(sub)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except GatewayError as error:  # configuration errors: a clear line, no traceback
        sys.stderr.write(f"exchangeql: {error}\n")
        return 2
    except BrokenPipeError:  # `exchangeql exchanges | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
