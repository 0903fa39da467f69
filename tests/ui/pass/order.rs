//! Issue 24: a template named like its top-level object, which holds one named so again
//! (`order.order.order`), through the macro under deny(warnings). The builder's type parameter
//! of `order` once was `Order` and shadowed the struct in `build()` (error[E0574]).
#![deny(warnings, missing_docs)]

use craftkit_runtime::{Template, craftkit_template};

/// An order confirmation.
#[craftkit_template("order")]
pub struct Order;

fn main() {
    let number = order::OrderOrder::builder()
        .order("A-1")
        .placed(craftkit_runtime::Date::new(2026, 12, 5).unwrap())
        .build();
    let document = Order::builder()
        .order(
            order::OrderObject::builder()
                .order(number)
                .state(order::State::Open)
                .build(),
        )
        .customer(order::Customer::builder().name("Ada").build())
        .lines(vec![
            order::Line::builder()
                .line("Rope")
                .quantity(2)
                .unit_price(9.5)
                .build(),
        ])
        .order_builder(order::OrderBuilderObject::builder().builder("x").build())
        .order_state(order::OrderState::Final)
        .signature(craftkit_runtime::Signature::from_svg(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>"#,
        )
        .unwrap())
        // the root has a field `build`, so its builder's last method is `build_`
        .build_();
    assert!(document.validate().is_ok());
    assert_eq!(Order::SLUG, "order");
    assert_eq!(document.order.order.order, "A-1");
}
