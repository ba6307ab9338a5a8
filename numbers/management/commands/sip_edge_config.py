from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from numbers_app.voice.edge import EdgeConfigError, EdgeOptions, render


class Command(BaseCommand):
    help = (
        "Write the SIP edge's Kamailio configuration for the running settings (SIP_EDGE_* and the database). "
        "Check it with `kamailio -c -f <file>`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="File to write (default: standard output)")
        parser.add_argument("--listen", help="host:port to listen on (default SIP_EDGE_LISTEN)")
        parser.add_argument("--advertise", help="public host:port behind NAT (default SIP_EDGE_ADVERTISE)")
        parser.add_argument("--carrier-addresses", help="the carrier's addresses (default SIP_EDGE_CARRIER_ADDRESSES)")
        parser.add_argument("--ip-trunk-port", type=int, help="port of IP trunks (default SIP_EDGE_IP_TRUNK_PORT)")
        parser.add_argument("--children", type=int, default=4, help="worker processes per listening socket")
        parser.add_argument("--min-expires", type=int, default=60, help="shortest registration accepted (s)")
        parser.add_argument("--location-timer", type=int, default=10, help="how often expired contacts go (s)")
        parser.add_argument("--ring-timeout", type=int, default=60, help="how long a call may ring (s)")
        parser.add_argument("--log-level", type=int, default=2, help="Kamailio debug level (-3 … 3)")
        parser.add_argument("--log-stderr", action="store_true", help="log to standard error, not syslog")

    def handle(self, *args, **opts):
        options = EdgeOptions(
            children=opts["children"],
            min_expires=opts["min_expires"],
            location_timer=opts["location_timer"],
            ring_timeout=opts["ring_timeout"],
            log_level=opts["log_level"],
            log_stderror=opts["log_stderr"],
        )
        for name in ("listen", "advertise", "carrier_addresses", "ip_trunk_port"):
            if opts.get(name) is not None:
                setattr(options, name, opts[name])
        try:
            text = render(options)
        except EdgeConfigError as exc:
            raise CommandError(str(exc)) from None
        if opts["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(opts["output"]).write_text(text)
