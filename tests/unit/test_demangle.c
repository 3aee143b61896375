// SPDX-License-Identifier: MIT
/* Rust demangling (user/demangle.c) on real rustc 1.95 symbol names. */
#include <unistd.h>

#include "test.h"
#include "demangle.h"

#define V0_TYPECK "_RNvNtNtNtCsfhTr2ijyTAe_16rustc_query_impl10query_impl6typeck" \
		  "18invoke_provider_fn28___rust_begin_short_backtrace"
#define TYPECK_PATH "rustc_query_impl::query_impl::typeck::invoke_provider_fn::__rust_begin_short_backtrace"

static void check_demangle(const char *sym, const char *want)
{
	char *d = demangle_rust(sym);

	CHECK_STR(d, want);
	free(d);
}

TEST(v0_path_without_hashes)
{
	check_demangle(V0_TYPECK, TYPECK_PATH);
}

TEST(v0_generic_instance)
{
	check_demangle("_RINvNtCsfhTr2ijyTAe_16rustc_query_impl8plumbing18try_load_from_disk"
		       "INtNtCsdoLGDhjbLAL_13rustc_type_ir6binder11EarlyBinderNtNtNtCsdadwybgsbvk_"
		       "12rustc_middle2ty7context6TyCtxtNtNtB1Z_6consts5ConstEEB4_",
		       "rustc_query_impl::plumbing::try_load_from_disk::<rustc_type_ir::binder::"
		       "EarlyBinder<rustc_middle::ty::context::TyCtxt, rustc_middle::ty::consts::Const>>");
}

TEST(legacy_mangling)
{
	check_demangle("_ZN16rustc_query_impl10query_impl6typeck18invoke_provider_fn"
		       "28__rust_begin_short_backtrace17h0123456789abcdefE", TYPECK_PATH);
	check_demangle("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write");
}

TEST(suffixes_are_ignored_and_reported)
{
	check_demangle(V0_TYPECK ".cold", TYPECK_PATH);
	check_demangle(V0_TYPECK ".llvm.15520300481698896969", TYPECK_PATH);
	CHECK_STR(demangle_suffix(V0_TYPECK ".llvm.1.cold"), ".llvm.1.cold");
	CHECK_STR(demangle_suffix(V0_TYPECK), "");
	/* legacy idents may hold '.', the suffix starts after the final E */
	CHECK_STR(demangle_suffix("_ZN4core3fmt5write17h0123456789abcdefE.warm"), ".warm");
	CHECK_STR(demangle_suffix("_ZN7a..b..c3foo17h0123456789abcdefE"), "");
	CHECK_STR(demangle_suffix("_ZN99short"), "");	/* malformed: no crash */
}

TEST(not_mangled)
{
	char *d = demangle_rust("main");

	CHECK(d == NULL);
	free(d);
	d = demangle_rust("_RNvgarbage");
	CHECK(d == NULL);
	free(d);
	d = demangle_rust("");
	CHECK(d == NULL);
	free(d);
}
