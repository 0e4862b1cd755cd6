"""Order webhooks from shops: `POST /api/hooks/shopify/{channel}` and `POST /api/hooks/woocommerce/{channel}`.

No bearer token: a shop cannot log in. What authenticates a delivery is its HMAC signature with the
channel's secret (server/channels/hooks.py), checked on the raw body before anything reads it.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from server.channels import shopify, woocommerce
from server.channels.hooks import Delivery, HookAnswer, check_signature, hook_channel, receive
from server.errors import responses

# A channel's code as the admin routes make it (server/channels/schemas.py): anything else is a 400.
ChannelPath = Annotated[
    str, Parameter(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="the channel's code")
]


def _answer(answer: HookAnswer) -> Response[HookAnswer]:
    return Response(answer, status_code=HTTP_400_BAD_REQUEST if answer.error and not answer.replayed else HTTP_200_OK)


class HookController(Controller):
    path = "/api/hooks"
    tags = ["channels"]
    security = [{}]  # no bearer token: a delivery is authenticated by its signature

    @post("/shopify/{channel:str}", status_code=HTTP_200_OK, responses=responses(400, 401, 404))
    async def shopify_order(self, channel: ChannelPath, request: Request, state: State) -> Response[HookAnswer]:
        """A Shopify order webhook (`orders/create`, `orders/updated`, `orders/cancelled`), signed with
        `X-Shopify-Hmac-Sha256`. 200 with what it did (a refusal of the order included: it is recorded
        for a supervisor and a retry would not change it); a delivery id (`X-Shopify-Webhook-Id`) seen
        before answers its first outcome with `replayed: true`. 401 bad signature, 404 no such active
        Shopify channel, 400 not an order: nothing is applied."""
        hook = await hook_channel(state.db, channel, "shopify")
        body = await request.body()
        check_signature(hook, body, "X-Shopify-Hmac-Sha256", request.headers.get("x-shopify-hmac-sha256"))
        topic = request.headers.get("x-shopify-topic", "")
        delivery_id = request.headers.get("x-shopify-webhook-id") or "body:" + hashlib.sha256(body).hexdigest()
        delivery = Delivery(hook, "shopify", delivery_id[:200], topic)
        return _answer(await receive(state.db, delivery, lambda: shopify.read(topic, body)))

    @post("/woocommerce/{channel:str}", status_code=HTTP_200_OK, responses=responses(400, 401, 404))
    async def woocommerce_order(self, channel: ChannelPath, request: Request, state: State) -> Response[HookAnswer]:
        """A WooCommerce order webhook (`order.created`, `order.updated`), signed with
        `X-WC-Webhook-Signature`; replays are recognised by `X-WC-Webhook-Delivery-ID` with the body's
        digest. The unsigned ping WooCommerce sends when a webhook is created (`webhook_id=<n>`) is
        answered 200 and stores nothing. Otherwise as the Shopify route."""
        hook = await hook_channel(state.db, channel, "woocommerce")
        body = await request.body()
        signature = request.headers.get("x-wc-webhook-signature")
        if signature is None and woocommerce.is_ping(body):
            return _answer(HookAnswer("ignored", "WooCommerce ping: this address takes the webhook"))
        check_signature(hook, body, "X-WC-Webhook-Signature", signature)
        topic = request.headers.get("x-wc-webhook-topic", "")
        delivery_id = woocommerce.replay_key(request.headers.get("x-wc-webhook-delivery-id") or "body", body)
        delivery = Delivery(hook, "woocommerce", delivery_id, topic)
        return _answer(await receive(state.db, delivery, lambda: woocommerce.read(topic, body)))
