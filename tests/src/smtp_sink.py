"""A test SMTP server: accepts every message on 127.0.0.1 (a free port, printed first on
stdout) and writes each to OUT_DIR/NNNN.json as {"from", "to", "subject", "body"}, the body
decoded from its transfer encoding. Used by tests/src/smtp.rs; needs aiosmtpd (PyPI)."""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        self.count += 1
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "header_from": str(msg["from"]),
            "subject": str(msg["subject"]),
            "body": part.get_content().replace("\r\n", "\n") if part is not None else "",
        }
        path = os.path.join(self.out, "%04d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


async def main(out):
    sink = Sink(out)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
