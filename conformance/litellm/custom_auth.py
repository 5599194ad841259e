"""Keys that make the real LiteLLM answer as it does at request time, without a database.

LiteLLM calls `general_settings.custom_auth` for every request. A key starting `sk-budget-` gets
LiteLLM's own BudgetExceededError on inference routes (discovery still works, as with a real key
over budget); a key starting `sk-throttled-` is limited to one request a minute, which LiteLLM's own
rate limiter enforces. A key starting `sk-spender-` has spent $7.50, $8.50, then $9.60 of a $10.00
budget at its first, second and third inference call (LiteLLM writes those into its
`x-litellm-key-spend` headers); one starting `sk-spent-` has spent $9.60 from the start. Every call is
counted in calls.log beside this file, so tests count requests.
"""

import os

import litellm
from fastapi import Request
from litellm.proxy._types import UserAPIKeyAuth

CALLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls.log")
INFERENCE = ("/chat/completions", "/responses", "/messages")
SPENDING = (7.5, 8.5, 9.6)


def inference_calls(api_key: str) -> int:
    """How many inference calls this key made before the current one (the current one is logged first)."""
    with open(CALLS, encoding="utf-8") as calls:
        return sum(1 for line in calls if line.split(" ")[0].endswith(INFERENCE) and line.rstrip("\n").endswith(api_key[:14])) - 1


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    path = request.url.path
    with open(CALLS, "a", encoding="utf-8") as calls:
        calls.write(f"{path} {api_key[:14]}\n")
    if api_key.startswith("sk-spender-") or api_key.startswith("sk-spent-"):
        spent = 9.6 if api_key.startswith("sk-spent-") else SPENDING[min(max(inference_calls(api_key), 0), len(SPENDING) - 1)]
        return UserAPIKeyAuth(api_key=api_key, spend=spent, max_budget=10.0, team_id="team-real-tier")
    if api_key.startswith("sk-budget-") and path.endswith(INFERENCE):
        raise litellm.BudgetExceededError(
            current_cost=12.5,
            max_budget=10.0,
            message="Budget has been exceeded! Key=real-tier Current cost: 12.5, Max budget: 10.0",
        )
    if api_key.startswith("sk-throttled-"):
        return UserAPIKeyAuth(api_key=api_key, rpm_limit=1)
    return UserAPIKeyAuth(api_key=api_key)
