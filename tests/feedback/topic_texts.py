"""Short customer texts about three things, for the topics tests."""

BILLING = [
    "Invoice charged twice this month",
    "Double charge on my invoice",
    "Refund the duplicate invoice charge",
    "Why was my card charged twice for the invoice",
    "Invoice amount is wrong, charged twice",
    "Charged twice, I need a refund of the invoice",
    "Duplicate charge on the invoice again",
    "My invoice shows a double charge",
]
LOGIN = [
    "Cannot reset my password to log in",
    "Password reset email never arrives, cannot log in",
    "Locked out, the password reset link is broken",
    "Login fails after a password reset",
    "How do I reset my password? Login is blocked",
    "Password reset does not work, login error",
    "The login page rejects my new password after the reset",
    "Forgot my password, the reset link expired, cannot login",
]
SHIPPING = [
    "Parcel delivery is late, where is my parcel",
    "Parcel never delivered, tracking stuck",
    "Delivery of my parcel delayed a week",
    "Tracking says parcel delivered but nothing arrived",
    "Late delivery of the parcel again",
    "Parcel lost in delivery, tracking not updating",
    "Where is my parcel? The delivery date passed",
    "Parcel tracking shows a delivery delay",
]
MORE_BILLING = [
    "Charged twice on one invoice",
    "Refund my double invoice charge please",
    "The invoice charge appears twice",
    "Invoice duplicated, charged twice",
]
