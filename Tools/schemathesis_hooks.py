import os
import requests
import schemathesis

BASE = os.environ["LANTOA_CONTRACT_BASE"]

@schemathesis.auth(retry_on=[401])
class AdminToken:
    def get(self, case, ctx):
        r = requests.post(f"{BASE}/api/v1/auth/login", json={
            "login": os.environ["LANTOA_CONTRACT_LOGIN"], "password": os.environ["LANTOA_CONTRACT_PASSWORD"]}, timeout=30)
        r.raise_for_status()
        return r.json()["token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
