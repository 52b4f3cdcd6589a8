"""The test SMTP servers themselves: they must hand back what the client sent, byte for byte.

The bench's FastSmtpSink must answer as aiosmtpd (SmtpSink) does, so each test runs
against both.
"""

import smtplib

import pytest

from .smtp_sink import FastSmtpSink, SmtpSink

sinks = pytest.mark.parametrize("sink_class", [SmtpSink, FastSmtpSink])


@sinks
def test_the_sink_receives_each_message_exactly_as_smtplib_sent_it(sink_class):
    body = b"Subject: dots\r\n\r\n.a line that starts with a dot\r\n..two\r\n.\r\nend\r\n"
    sink = sink_class().start()
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


@sinks
def test_a_stopped_sink_refuses_connections_like_a_server_that_is_down(sink_class):
    sink = sink_class().start()
    client = smtplib.SMTP("127.0.0.1", sink.port, timeout=5)
    client.ehlo()
    sink.stop()
    with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
        client.sendmail("a@example.org", ["b@example.org"], b"Subject: x\r\n\r\nx")
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", sink.port, timeout=5)
