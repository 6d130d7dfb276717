"""The device-flow token endpoint answers are mapped as RFC 8628 says: pending, slow_down, denied."""

from __future__ import annotations

import pytest

from shared.channels.allegro import oauth

pytestmark = pytest.mark.integration


async def test_pending_then_slow_down_then_denied(allegro):
    started = await oauth.start_device_flow()
    assert (started.interval, started.expires_in) == (5, 3600)
    assert (await oauth.poll_device_token(started.device_code)).status == "pending"
    # Asking again before `interval` passed earns slow_down (the API layer never does this).
    assert (await oauth.poll_device_token(started.device_code)).status == "slow_down"
    allegro.approve_device(started.user_code, deny=True)
    assert (await oauth.poll_device_token(started.device_code)).status == "denied"
    assert (await oauth.poll_device_token("no-such-device-code")).status == "expired"


async def test_approved_device_gets_a_token_once(allegro):
    started = await oauth.start_device_flow()
    allegro.approve_device(started.user_code)
    first = await oauth.poll_device_token(started.device_code)
    assert first.status == "connected" and first.token["refresh_token"] in allegro.tokens.refresh
    assert (await oauth.poll_device_token(started.device_code)).status == "expired"
