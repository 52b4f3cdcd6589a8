"""The tests' SMTP server itself: it must hand back what the client sent, byte for byte,
and once stopped it must refuse connections as a server that is down does (the
delivery-fault tests rely on both).
"""

import smtplib

import pytest

from .smtp_sink import SmtpSink


def test_the_sink_receives_each_message_exactly_as_smtplib_sent_it():
    body = b"Subject: dots\r\n\r\n.a line that starts with a dot\r\n..two\r\n.\r\nend\r\n"
    sink = SmtpSink().start()
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.sendmail("a@example.org", ["b@example.org"], body)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("a@example.org", ["reject@example.org"], body)
            client.sendmail("a@example.org", ["b@example.org"], b"X-Notification-Id: 7\r\n\r\nhi")
    finally:
        sink.stop()
    assert sink.handler.messages == [body, b"X-Notification-Id: 7\r\n\r\nhi\r\n"]
    assert sink.handler.ids == {7: 1}
    assert sink.handler.connections == 1


def test_a_stopped_sink_refuses_connections_like_a_server_that_is_down():
    sink = SmtpSink().start()
    client = smtplib.SMTP("127.0.0.1", sink.port, timeout=5)
    client.ehlo()
    sink.stop()
    with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
        client.sendmail("a@example.org", ["b@example.org"], b"Subject: x\r\n\r\nx")
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", sink.port, timeout=5)
