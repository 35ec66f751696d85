"""The baseline: a bare Flask app that parses the same webhook and answers the same TwiML."""

from flask import Flask, Response, request

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/twilio/sms")
def sms() -> Response:
    body = request.form.get("Body", "")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        f"【580】已收到您的求助，编号123456。{len(body)}</Message></Response>"
    )
    return Response(xml, mimetype="text/xml")
