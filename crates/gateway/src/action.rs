//! Typed handlers: a handler's signature declares what its action acts on
//! and which parameters it reads, and the action table takes its selectors
//! from that signature.
//!
//! A handler is a function
//! `fn(&Ctx<'_>, S, R) -> Result<A, ApiError>` where
//! - `S` is what the action acts on: one selector of [`crate::on`]
//!   (`on::User`), a tuple of them (`(on::Group, on::NamedUser)`), or `()`;
//! - `R` is its request: a struct parsed once from the parameters before
//!   the handler runs ([`FromParams`]), or `()`;
//! - `A` is its answer: a type that serializes as the response's fields
//!   ([`Answer`]), serialized once after the handler returns.
//!
//! The table entry is `ActionSpec::read("GetUser", &Typed::new(get_user))`:
//! its selectors are `S`'s, so a handler can only be given what its entry
//! resolves and authorizes, and a mismatch does not compile.

use rampart_core::ApiError;

use crate::respond::Answer;
use crate::target::{Sel, Target};
use crate::{AnonymousCtx, Ctx, Output, Params};

/// One thing an action acts on: the selector that resolves and authorizes
/// it, and how the handler receives it from the resolved target.
pub trait Selector: Sized {
    /// The selector of the table entry.
    const SEL: Sel;
    /// The entity, as resolved for this selector.
    fn take(target: &Target) -> Result<Self, ApiError>;
}

/// Everything an action acts on: one [`Selector`], a tuple of them, or
/// `()` for an action on nothing (any authenticated caller may make it).
pub trait Targets: Sized {
    /// The selectors of the table entry, in order.
    const SELS: &'static [Sel];
    /// The entities, as resolved.
    fn take(target: &Target) -> Result<Self, ApiError>;
}

impl Targets for () {
    const SELS: &'static [Sel] = &[];
    fn take(_: &Target) -> Result<Self, ApiError> {
        Ok(())
    }
}

impl<A: Selector> Targets for A {
    const SELS: &'static [Sel] = &[A::SEL];
    fn take(target: &Target) -> Result<Self, ApiError> {
        A::take(target)
    }
}

impl<A: Selector, B: Selector> Targets for (A, B) {
    const SELS: &'static [Sel] = &[A::SEL, B::SEL];
    fn take(target: &Target) -> Result<Self, ApiError> {
        Ok((A::take(target)?, B::take(target)?))
    }
}

impl<A: Selector, B: Selector, C: Selector> Targets for (A, B, C) {
    const SELS: &'static [Sel] = &[A::SEL, B::SEL, C::SEL];
    fn take(target: &Target) -> Result<Self, ApiError> {
        Ok((A::take(target)?, B::take(target)?, C::take(target)?))
    }
}

impl<A: Selector, B: Selector, C: Selector, D: Selector> Targets for (A, B, C, D) {
    const SELS: &'static [Sel] = &[A::SEL, B::SEL, C::SEL, D::SEL];
    fn take(target: &Target) -> Result<Self, ApiError> {
        Ok((
            A::take(target)?,
            B::take(target)?,
            C::take(target)?,
            D::take(target)?,
        ))
    }
}

/// A handler's request: its parameters, parsed and checked once before it
/// runs (the parameters that selected its target are not among them).
pub trait FromParams: Sized {
    /// Parses the parameters; a bad one answers its error here.
    fn parse(params: &Params) -> Result<Self, ApiError>;
}

impl FromParams for () {
    fn parse(_: &Params) -> Result<Self, ApiError> {
        Ok(())
    }
}

/// A table entry's handler, whatever its types.
pub trait Handle: Sync {
    /// Takes the handler's entities from the target, parses its request
    /// from the parameters, and runs it.
    fn run(&self, ctx: &Ctx<'_>, target: &Target, params: &Params) -> Result<Output, ApiError>;
}

/// A typed handler in the action table (see the module's documentation).
pub struct Typed<S, R, A> {
    handler: HandlerOf<S, R, A>,
}

/// The function type of a typed handler.
pub type HandlerOf<S, R, A> = fn(&Ctx<'_>, S, R) -> Result<A, ApiError>;

impl<S, R, A> Typed<S, R, A> {
    /// Wraps a handler for its table entry.
    pub const fn new(handler: HandlerOf<S, R, A>) -> Self {
        Self { handler }
    }
}

impl<S: Targets, R: FromParams, A: Answer> Handle for Typed<S, R, A> {
    fn run(&self, ctx: &Ctx<'_>, target: &Target, params: &Params) -> Result<Output, ApiError> {
        let on = S::take(target)?;
        let request = R::parse(params)?;
        Output::typed(&(self.handler)(ctx, on, request)?)
    }
}

/// An anonymous action's handler, whatever its request type.
pub trait HandleAnonymous: Sync {
    /// Parses the handler's request from the parameters and runs it; the
    /// answer comes with whom the request proved to be.
    fn run(&self, ctx: &AnonymousCtx<'_>, params: &Params) -> Result<(Output, String), ApiError>;
}

/// The function type of an anonymous handler: its answer comes with whom
/// the request proved to be.
pub type AnonymousOf<R, A> = fn(&AnonymousCtx<'_>, R) -> Result<(A, String), ApiError>;

/// A typed anonymous handler in the action table: no target (the request
/// is not signed; it carries its own proof), its request parsed first.
pub struct Anonymous<R, A> {
    handler: AnonymousOf<R, A>,
}

impl<R, A> Anonymous<R, A> {
    /// Wraps a handler for its table entry.
    pub const fn new(handler: AnonymousOf<R, A>) -> Self {
        Self { handler }
    }
}

impl<R: FromParams, A: Answer> HandleAnonymous for Anonymous<R, A> {
    fn run(&self, ctx: &AnonymousCtx<'_>, params: &Params) -> Result<(Output, String), ApiError> {
        let request = R::parse(params)?;
        let (answer, who) = (self.handler)(ctx, request)?;
        Ok((Output::typed(&answer)?, who))
    }
}

/// How a request's field is read from its parameter (the functions that
/// [`request!`](crate::request) names).
pub mod read {
    use rampart_core::ApiError;

    use crate::Params;

    /// Present and not empty.
    pub fn required(p: &Params, name: &str) -> Result<String, ApiError> {
        p.required(name).map(str::to_string)
    }

    /// As given, if present (empty included).
    pub fn opt(p: &Params, name: &str) -> Result<Option<String>, ApiError> {
        Ok(p.opt(name))
    }

    /// As given, if present and not empty.
    pub fn nonempty(p: &Params, name: &str) -> Result<Option<String>, ApiError> {
        Ok(p.get(name).filter(|s| !s.is_empty()).map(str::to_string))
    }

    /// As given, or empty when absent.
    pub fn text(p: &Params, name: &str) -> Result<String, ApiError> {
        Ok(p.get(name).unwrap_or_default().to_string())
    }

    /// `true`/`false` in any case, if present.
    pub fn bool(p: &Params, name: &str) -> Result<Option<bool>, ApiError> {
        p.bool(name)
    }

    /// `true`/`false` in any case; absent is `false`.
    pub fn flag(p: &Params, name: &str) -> Result<bool, ApiError> {
        Ok(p.bool(name)?.unwrap_or(false))
    }

    /// A whole number, if present.
    pub fn u32(p: &Params, name: &str) -> Result<Option<u32>, ApiError> {
        p.u32(name)
    }
}

/// Declares a handler's request struct and how each field is read from its
/// parameter: `field: Type = how("Param")`, where `how` is one of
/// [`read`]'s functions, or `field: Type = with(f)` for a function
/// `fn(&Params) -> Result<Type, ApiError>`. Fields are read in order, so the
/// first bad parameter is the one answered.
#[macro_export]
macro_rules! request {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident: $ty:ty = $how:ident($($arg:expr),*)
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                $(#[$fmeta])*
                pub(crate) $field: $ty,
            )*
        }

        impl $crate::action::FromParams for $name {
            fn parse(p: &$crate::Params) -> Result<Self, rampart_core::ApiError> {
                Ok(Self {
                    $($field: $crate::request!(@read p, $how($($arg),*)),)*
                })
            }
        }
    };
    (@read $p:ident, with($f:expr)) => { ($f)($p)? };
    (@read $p:ident, $how:ident($arg:expr)) => { $crate::action::read::$how($p, $arg)? };
}
