"""Search for a London number and order it, as the API reference shows.

    DIDFARM_API_KEY=df_live_sk_… python examples/quickstart.py

(against ``make run``; DIDFARM_BASE_URL defaults here to http://127.0.0.1:8000/api/v1)
"""

import os
import sys

import didfarm

client = didfarm.Client(base_url=os.environ.get("DIDFARM_BASE_URL", "http://127.0.0.1:8000/api/v1"))
try:
    numbers = client.numbers.search(country_code="GB", number_type="local")
    first = numbers[0]
    print(
        f"{numbers.meta.total} numbers for sale; the first: {first.number_formatted}, EUR {first.monthly_price}/month"
    )
    order = client.numbers.order(number=first.number, billing_cycle="monthly")
    print(f"ordered {order.number}: {order.id} is {order.status}")
    print(f"wallet: EUR {client.wallet.balance().balance}")
except didfarm.APIError as error:
    sys.exit(f"{type(error).__name__}: {error.message} ({error.code}, request {error.request_id})")
