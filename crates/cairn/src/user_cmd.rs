//! `cairn serve` and `cairn user`: the server and its accounts.

use crate::cli::{Cli, Format, ServeArgs, TokenCmd, UserCmd};
use crate::output::{csv_out, json, line, table};
use crate::{Failure, find_db, open, usage};
use cairn_core::{Role, format_millis};
use std::io::{BufRead, IsTerminal, Write};

pub fn serve(cli: &Cli, a: &ServeArgs) -> Result<u8, Failure> {
    let url = find_db(cli).ok_or_else(|| {
        usage("no Cairn workspace here: run `cairn init` (or `cairn demo`) in this folder, or pass --db URL / set CAIRN_DB")
    })?;
    // Open once in this thread so a bad URL or an uninitialised database
    // fails before the server starts.
    let mut app = open(cli, false)?;
    if !app.is_initialised() {
        return Err(usage(
            "this database has no workspace yet: run `cairn init` or `cairn demo` first",
        ));
    }
    if app.users()?.is_empty() && !cli.quiet {
        eprintln!(
            "note: there are no users yet; create the first admin with `cairn user add NAME --admin`"
        );
    }
    drop(app);
    cairn_server::serve_blocking(
        &a.addr,
        cairn_server::Settings {
            db_url: url,
            pool_size: a.connections.max(1),
            secure_cookies: a.secure_cookies,
        },
    )
    .map_err(|m| Failure {
        code: 3,
        message: m,
    })?;
    Ok(0)
}

/// A password from the terminal (asked twice, not echoed) or one line of
/// stdin when it is not a terminal (scripts, CI).
fn password(prompt: &str) -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password(format!("{prompt}: "))
            .map_err(|e| usage(format!("cannot read the password: {e}")))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|e| usage(format!("cannot read the password: {e}")))?;
        if p != again {
            return Err(usage("the two passwords differ; run the command again"));
        }
        Ok(p)
    } else {
        let mut s = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| usage(format!("cannot read the password from stdin: {e}")))?;
        let p = s.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            return Err(usage(
                "no password on stdin: pipe one in, e.g. `printf '%s\\n' \"$PW\" | cairn user add ada --admin`",
            ));
        }
        Ok(p)
    }
}

fn role(s: &str) -> Result<Role, Failure> {
    Role::parse(s).ok_or_else(|| {
        usage(format!(
            "`{s}` is not a role; roles are owner (the product owner), member (a developer) and stakeholder (reads and comments)"
        ))
    })
}

pub fn user(cli: &Cli, c: &UserCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let fmt = cli.format;
    match c {
        UserCmd::Add {
            handle,
            name,
            email,
            admin,
            roles,
        } => {
            let mut grants = Vec::new();
            for r in roles {
                let (p, rl) = r.split_once('=').ok_or_else(|| {
                    usage(format!(
                        "--role `{r}` should look like PRODUCT=ROLE, e.g. PAY=owner"
                    ))
                })?;
                grants.push((p.trim().to_string(), role(rl)?));
            }
            let mut app = open(cli, false)?;
            for (p, _) in &grants {
                app.resolve_product(Some(p))?;
            }
            let pw = password(&format!("Password for {handle}"))?;
            let u = app.user_add(
                handle,
                name.as_deref().unwrap_or(""),
                email.as_deref(),
                &pw,
                *admin,
            )?;
            for (p, r) in &grants {
                app.user_grant(&u.handle, p, Some(*r))?;
            }
            if !cli.quiet {
                line(
                    o,
                    &format!(
                        "created user {}{}{}",
                        u.handle,
                        if u.admin { " (admin)" } else { "" },
                        if grants.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " with {}",
                                grants
                                    .iter()
                                    .map(|(p, r)| format!("{r} of {p}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                );
            }
        }
        UserCmd::List => {
            let users = open(cli, false)?.users()?;
            let roles = |u: &cairn_app::accounts::UserView| {
                u.roles
                    .iter()
                    .map(|m| format!("{}={}", m.product, m.role))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            match fmt {
                Format::Json => json(o, &users),
                Format::Csv => csv_out(
                    o,
                    &["handle", "name", "email", "admin", "disabled", "roles"],
                    users
                        .iter()
                        .map(|u| {
                            vec![
                                u.user.handle.clone(),
                                u.user.name.clone(),
                                u.user.email.clone().unwrap_or_default(),
                                u.user.admin.to_string(),
                                u.user.disabled.to_string(),
                                roles(u),
                            ]
                        })
                        .collect(),
                ),
                Format::Table => {
                    let mut t = table(&["HANDLE", "NAME", "ADMIN", "ROLES", "STATUS"]);
                    for u in &users {
                        t.add_row(vec![
                            u.user.handle.clone(),
                            u.user.name.clone(),
                            if u.user.admin {
                                "yes".into()
                            } else {
                                String::new()
                            },
                            roles(u),
                            if u.user.disabled {
                                "disabled".into()
                            } else {
                                "active".into()
                            },
                        ]);
                    }
                    let _ = writeln!(o, "{t}");
                }
            }
        }
        UserCmd::Grant {
            handle,
            product,
            role: r,
        } => {
            let r = role(r)?;
            open(cli, false)?.user_grant(handle, product, Some(r))?;
            if !cli.quiet {
                line(
                    o,
                    &format!("{handle} is now {r} of {}", product.to_ascii_uppercase()),
                );
            }
        }
        UserCmd::Revoke { handle, product } => {
            open(cli, false)?.user_grant(handle, product, None)?;
            if !cli.quiet {
                line(
                    o,
                    &format!(
                        "{handle} has no role in {} now",
                        product.to_ascii_uppercase()
                    ),
                );
            }
        }
        UserCmd::Passwd { handle } => {
            let mut app = open(cli, false)?;
            let pw = password(&format!("New password for {handle}"))?;
            app.user_set_password(handle, &pw)?;
            if !cli.quiet {
                line(
                    o,
                    &format!("password changed; {handle}'s sessions were ended"),
                );
            }
        }
        UserCmd::Email { handle, address } => {
            let u = open(cli, false)?.user_set_email(handle, address.as_deref())?;
            if !cli.quiet {
                line(
                    o,
                    &match &u.email {
                        Some(e) => format!("{handle}'s notification mail goes to {e}"),
                        None => format!("{handle} has no email address: no notification mail"),
                    },
                );
            }
        }
        UserCmd::Disable { handle } | UserCmd::Enable { handle } => {
            let disable = matches!(c, UserCmd::Disable { .. });
            open(cli, false)?.user_set_disabled(handle, disable)?;
            if !cli.quiet {
                line(
                    o,
                    &format!(
                        "{handle} is {}",
                        if disable { "disabled" } else { "enabled" }
                    ),
                );
            }
        }
        UserCmd::Token(t) => return token(cli, t, o),
    }
    Ok(0)
}

fn token(cli: &Cli, c: &TokenCmd, o: &mut dyn Write) -> Result<u8, Failure> {
    let mut app = open(cli, false)?;
    match c {
        TokenCmd::Add { handle, name } => {
            let (t, secret) = app.token_add(handle, name)?;
            match cli.format {
                Format::Json => json(o, &serde_json::json!({ "token": t, "secret": secret })),
                _ => {
                    line(o, &secret);
                    if !cli.quiet {
                        eprintln!(
                            "token {} ({}) for {handle}: keep it secret; it is not shown again. Use it as `Authorization: Bearer <token>`.",
                            t.id, t.name
                        );
                    }
                }
            }
        }
        TokenCmd::List { handle } => {
            let ts = app.tokens(handle)?;
            match cli.format {
                Format::Json => json(o, &ts),
                _ => {
                    let mut tb = table(&["ID", "NAME", "CREATED", "LAST USED", "STATUS"]);
                    for t in &ts {
                        tb.add_row(vec![
                            t.id.to_string(),
                            t.name.clone(),
                            format_millis(t.created),
                            t.last_used.map(format_millis).unwrap_or_default(),
                            if t.revoked.is_some() {
                                "revoked".into()
                            } else {
                                "live".into()
                            },
                        ]);
                    }
                    let _ = writeln!(o, "{tb}");
                }
            }
        }
        TokenCmd::Revoke { handle, id } => {
            app.token_revoke(handle, *id)?;
            if !cli.quiet {
                line(o, &format!("token {id} of {handle} revoked"));
            }
        }
    }
    Ok(0)
}
