"""Money in: top-ups by Stripe Checkout (card, SEPA) and bank transfer, auto-recharge, low-balance alerts,
receipts, and lifting a suspension for non-payment once the wallet covers what is due."""
