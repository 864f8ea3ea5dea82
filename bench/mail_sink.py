"""An SMTP sink for bench/mail.py: aiosmtpd on a port, counting messages.

    python bench/mail_sink.py PORT COUNT_FILE

Accepts every message and writes how many it has accepted to COUNT_FILE
(rewritten at most ten times a second), so the benchmark reads progress from
the receiving side, as a subscriber would see it.
"""

import logging
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += len(envelope.rcpt_tos)
        return "250 OK"


def main():
    port, count_file = int(sys.argv[1]), Path(sys.argv[2])
    logging.disable(logging.CRITICAL)  # aiosmtpd logs every command otherwise
    counter = Counter()
    controller = Controller(
        counter, hostname="127.0.0.1", port=port, data_size_limit=10 * 1024 * 1024
    )
    controller.start()
    written = -1
    try:
        while True:
            if counter.accepted != written:
                written = counter.accepted
                count_file.write_text(str(written))
            time.sleep(0.1)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
