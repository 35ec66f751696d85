"""The baseline: a bare Flask app that parses the same webhooks and answers the same TwiML."""

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


@app.post("/twilio/voice")
def voice() -> Response:
    caller = request.form.get("From", "")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/twilio/voice/step?n=1" '
        'input="dtmf speech" numDigits="1" timeout="6"><Say voice="Polly.Zhiyu" language="cmn-CN">'
        f"您好，这里是580社区服务热线。{len(caller)}</Say></Gather>"
        '<Redirect method="POST">/twilio/voice/step?n=1</Redirect></Response>'
    )
    return Response(xml, mimetype="text/xml")


@app.post("/twilio/voice/step")
def step() -> Response:
    digits = request.form.get("Digits", "")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Zhiyu" '
        f'language="cmn-CN">请说出您的问题。{len(digits)}</Say><Record action='
        '"/twilio/voice/step?node=problem&amp;n=3" maxLength="60" playBeep="true"/></Response>'
    )
    return Response(xml, mimetype="text/xml")
