// The pages the tests visit: one or two of every page type, for each language variant.

/** The three variants: German, English and Leichte Sprache (easy German). */
export const variants = ['de', 'en', 'ls'];

/** A search term that finds results in every variant. */
const searchTerm = { de: 'ausweis', en: 'passport', ls: 'ausweis' };

/**
 * Every page type, as [name, path] for one variant.
 * @param {string} v the variant
 * @returns {Array<[string, string]>}
 */
export function pagesOf(v) {
  return [
    ['home', `/${v}/`],
    ['search', `/${v}/search?q=${searchTerm[v]}`],
    ['search without results', `/${v}/search?q=xyzzyquux`],
    ['A to Z', `/${v}/a-z`],
    ['service wohnsitz-anmelden', `/${v}/services/wohnsitz-anmelden`],
    ['service fundsache', `/${v}/services/fundsache`],
    ['office finder', `/${v}/offices`],
    ['office finder with postcode and service', `/${v}/offices?postcode=85104&service=wohnsitz-anmelden`],
    ['office finder with an invalid postcode', `/${v}/offices?postcode=12`],
    ['office', `/${v}/offices/buergerbuero-altstadt`],
    ['life situations', `/${v}/life-situations`],
    ['life situation', `/${v}/life-situations/umzug-nach-musterstadt`],
    ['news', `/${v}/news`],
    ['news item', `/${v}/news/winterdienst`],
    ['page barrierefreiheit (feedback form)', `/${v}/pages/barrierefreiheit`],
    ['page gebaerdensprache (videos)', `/${v}/pages/gebaerdensprache`],
    ['page leichte-sprache', `/${v}/pages/leichte-sprache`],
    ['page impressum', `/${v}/pages/impressum`],
    ['page datenschutz', `/${v}/pages/datenschutz`],
    ['404 error page', `/${v}/services/does-not-exist`],
  ];
}
