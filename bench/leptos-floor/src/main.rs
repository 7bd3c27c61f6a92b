//! The smallest honest Leptos app to set the shipped size against: a keyed list of rows with
//! reactive labels and a selection, driven by buttons (`make bench` builds it; see Cargo.toml).
use leptos::prelude::*;

const ADJECTIVES: [&str; 8] = ["pretty", "large", "small", "quaint", "clean", "odd", "cheap", "fancy"];
const COLOURS: [&str; 6] = ["red", "yellow", "blue", "green", "pink", "brown"];
const NOUNS: [&str; 7] = ["table", "chair", "house", "desk", "pony", "cookie", "pizza"];

#[derive(Clone)]
struct Row {
    id: usize,
    label: RwSignal<String>,
}

/// `n` new rows, labelled from a small deterministic generator (xorshift).
fn new_rows(state: &mut (usize, u32), n: usize) -> Vec<Row> {
    let mut pick = |len: usize| {
        let x = &mut state.1;
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        *x as usize % len
    };
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let label = format!(
            "{} {} {}",
            ADJECTIVES[pick(ADJECTIVES.len())],
            COLOURS[pick(COLOURS.len())],
            NOUNS[pick(NOUNS.len())]
        );
        state.0 += 1;
        rows.push(Row { id: state.0, label: RwSignal::new(label) });
    }
    rows
}

#[component]
fn App() -> impl IntoView {
    let data = RwSignal::new(Vec::<Row>::new());
    let selected = RwSignal::new(None::<usize>);
    let gen = StoredValue::new((0usize, 2_463_534_242u32));
    let make = move |n| gen.try_update_value(|g| new_rows(g, n)).unwrap_or_default();
    view! {
        <main>
            <h1>"Leptos floor"</h1>
            <button on:click=move |_| data.set(make(1000))>"Create 1,000 rows"</button>
            <button on:click=move |_| data.update(|d| d.extend(make(1000)))>"Append 1,000 rows"</button>
            <button on:click=move |_| {
                data.with(|d| d.iter().step_by(10).for_each(|r| r.label.update(|l| l.push_str(" !!!"))))
            }>"Update every 10th row"</button>
            <button on:click=move |_| data.update(|d| if d.len() > 998 { d.swap(1, 998) })>"Swap rows"</button>
            <button on:click=move |_| data.set(Vec::new())>"Clear"</button>
            <table>
                <tbody>
                    <For each=move || data.get() key=|row| row.id let:row>
                        <tr class:selected=move || selected.get() == Some(row.id)>
                            <td>{row.id}</td>
                            <td>
                                <button on:click=move |_| selected.set(Some(row.id))>{move || row.label.get()}</button>
                            </td>
                            <td>
                                <button aria-label="Remove" on:click=move |_| data.update(|d| d.retain(|r| r.id != row.id))>"×"</button>
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}
