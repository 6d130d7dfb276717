"""Analytics of the AI's work for one seller: response times, automation, handoffs, drafts, cost, gaps."""
