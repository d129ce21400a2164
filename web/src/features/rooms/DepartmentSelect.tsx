import { SelectField } from '../../ui/SelectField';
import { t } from '../../i18n';

/** The department a room belongs to ("Everyone" for none), as the create and settings dialogs ask for it. */
export function DepartmentSelect({ id, value, departments, onChange }: { id: string; value: string; departments: string[]; onChange: (department: string) => void }) {
  return <SelectField className="stack" id={id} label={t('common.department')} value={value} choices={departments} none={t('departmentSelect.everyone')} onChange={onChange} />;
}
