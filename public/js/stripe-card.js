// Stripe Elements for the "Save card" form (only when a publishable key is configured): the card
// number goes from the browser to Stripe; the form posts the resulting PaymentMethod id (pm_…).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-stripe-key]");
  if (!form || typeof window.Stripe !== "function") return;
  const stripe = window.Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = form.querySelector("#card-errors");
  let ready = false;
  form.addEventListener("submit", async (event) => {
    if (ready) return;
    event.preventDefault();
    const { paymentMethod, error } = await stripe.createPaymentMethod({ type: "card", card });
    if (error) {
      errors.textContent = error.message;
      return;
    }
    form.querySelector("input[name=stripe_payment_method_id]").value = paymentMethod.id;
    ready = true;
    form.requestSubmit();
  });
});
